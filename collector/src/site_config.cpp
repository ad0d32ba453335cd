#include "site_config.h"

#include "json_util.h"
#include "session_rating/config.h"

namespace collector {

using session_rating::Error;
using session_rating::Errors;

namespace {

// Validates a whole document value; fills `out` when valid.
Errors validate_doc(const json& doc, SiteSettings& out) {
  Errors errors;
  if (!doc.is_object()) {
    errors.push_back(Error{"", "not_an_object", "the settings must be a JSON object"});
    return errors;
  }
  bool enabled = true;
  json config = json::object();
  for (const auto& [key, value] : doc.items()) {
    if (key == "enabled") {
      if (value.is_boolean()) enabled = value.get<bool>();
      else errors.push_back(Error{"/enabled", "wrong_type", "enabled must be true or false"});
    } else if (key == "config") {
      config = value;
    } else {
      errors.push_back(Error{"/" + key, "unknown_field", "unknown setting (expected enabled, config)"});
    }
  }
  session_rating::Config parsed;
  Errors config_errors = session_rating::parse_config(dump(config), parsed);
  for (Error& e : config_errors) {
    e.path = "/config" + e.path;
    errors.push_back(std::move(e));
  }
  if (!errors.empty()) return errors;
  out.enabled = enabled;
  out.window_seconds = parsed.finalise.window_seconds;
  out.from_session_end = parsed.finalise.from == session_rating::FinaliseFrom::SessionEnd;
  out.doc = dump(json{{"config", config}, {"enabled", enabled}});
  return errors;
}

}  // namespace

bool SiteConfig::load(const std::string& stored_doc, int64_t updated_at, std::string& error) {
  SiteSettings s;
  if (!stored_doc.empty()) {
    Errors errors = validate_doc(parse_json(stored_doc), s);
    if (!errors.empty()) {
      error = "stored site config is invalid: " + session_rating::errors_to_json(errors);
      return false;
    }
  }
  s.updated_at = updated_at;
  set(s);
  return true;
}

SiteSettings SiteConfig::get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_;
}

std::vector<WebhookEndpoint> SiteConfig::webhooks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return settings_.webhooks;
}

void SiteConfig::set(const SiteSettings& settings) {
  std::lock_guard<std::mutex> lock(mu_);
  settings_ = settings;
}

Errors SiteConfig::apply_patch(const SiteSettings& current, std::string_view body,
                               SiteSettings& out) {
  const json patch = parse_json(body);
  if (patch.is_discarded())
    return {Error{"", "invalid_json", "the body is not valid JSON"}};
  if (!patch.is_object())
    return {Error{"", "not_an_object", "the body must be a JSON object"}};
  json doc = parse_json(current.doc);
  if (!doc.is_object()) doc = json{{"config", json::object()}, {"enabled", true}};
  Errors errors;
  for (const auto& [key, value] : patch.items()) {
    if (key == "enabled") {
      doc["enabled"] = value;  // type checked by validate_doc
    } else if (key == "config") {
      if (value.is_null()) {
        doc["config"] = json::object();
      } else if (!value.is_object()) {
        errors.push_back(Error{"/config", "wrong_type", "config must be an object (a merge patch)"});
      } else {
        if (!doc["config"].is_object()) doc["config"] = json::object();
        doc["config"].merge_patch(value);
      }
    } else {
      errors.push_back(Error{"/" + key, "unknown_field", "unknown setting (expected enabled, config)"});
    }
  }
  SiteSettings next = current;
  Errors more = validate_doc(doc, next);
  errors.insert(errors.end(), more.begin(), more.end());
  if (errors.empty()) out = next;
  return errors;
}

}  // namespace collector
