#include "site_config.h"

#include <algorithm>
#include <optional>

#include "json_util.h"
#include "session_rating/config.h"

namespace collector {

using session_rating::Error;
using session_rating::Errors;

namespace {

constexpr int64_t kMaxCooldownDays = 365;
constexpr size_t kMaxChannels = 20;
constexpr size_t kMaxWebhooks = 10;
constexpr size_t kMaxUrl = 2000;
const char* const kEventTypes[] = {"rating.revision", "rating.final"};

// [a-z0-9_-]{1,40}: channel names and webhook ids.
bool is_name(const std::string& s) {
  if (s.empty() || s.size() > 40) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool is_url(const std::string& s) {
  if (s.size() > kMaxUrl) return false;
  std::string rest;
  if (s.rfind("http://", 0) == 0) rest = s.substr(7);
  else if (s.rfind("https://", 0) == 0) rest = s.substr(8);
  else return false;
  if (rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#') return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
  });
}

void check_requests(const json& value, SiteSettings& out, Errors& errors) {
  if (!value.is_object()) {
    errors.push_back(Error{"/requests", "wrong_type", "requests must be an object"});
    return;
  }
  for (const auto& [key, v] : value.items()) {
    if (key == "cooldown_days") {
      if (!v.is_number_integer()) {
        errors.push_back(Error{"/requests/cooldown_days", "wrong_type",
                               "cooldown_days must be a whole number of days"});
      } else if (v.get<int64_t>() < 0 || v.get<int64_t>() > kMaxCooldownDays) {
        errors.push_back(Error{"/requests/cooldown_days", "out_of_range",
                               "cooldown_days is 0 to 365"});
      } else {
        out.cooldown_days = v.get<int64_t>();
      }
    } else if (key == "unsupported_channels") {
      if (!v.is_array()) {
        errors.push_back(Error{"/requests/unsupported_channels", "wrong_type",
                               "unsupported_channels must be an array of channel names"});
        continue;
      }
      if (v.size() > kMaxChannels) {
        errors.push_back(Error{"/requests/unsupported_channels", "out_of_range",
                               "at most 20 channels"});
        continue;
      }
      out.unsupported_channels.clear();
      for (size_t i = 0; i < v.size(); ++i) {
        const std::string path = "/requests/unsupported_channels/" + std::to_string(i);
        if (!v[i].is_string() || !is_name(v[i].get<std::string>())) {
          errors.push_back(Error{path, "invalid_value",
                                 "a channel name is 1 to 40 of a-z, 0-9, _ and -"});
          continue;
        }
        const std::string name = v[i].get<std::string>();
        if (std::find(out.unsupported_channels.begin(), out.unsupported_channels.end(), name) ==
            out.unsupported_channels.end())
          out.unsupported_channels.push_back(name);
      }
    } else {
      errors.push_back(Error{"/requests/" + key, "unknown_field",
                             "unknown setting (expected cooldown_days, unsupported_channels)"});
    }
  }
}

void check_webhooks(const json& value, SiteSettings& out, Errors& errors) {
  if (!value.is_array()) {
    errors.push_back(Error{"/webhooks", "wrong_type", "webhooks must be an array of endpoints"});
    return;
  }
  if (value.size() > kMaxWebhooks) {
    errors.push_back(Error{"/webhooks", "out_of_range", "at most 10 webhook endpoints"});
    return;
  }
  out.webhooks.clear();
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string base = "/webhooks/" + std::to_string(i);
    const json& w = value[i];
    if (!w.is_object()) {
      errors.push_back(Error{base, "wrong_type", "a webhook endpoint is an object"});
      continue;
    }
    WebhookEndpoint e;
    e.events = {kEventTypes[0], kEventTypes[1]};
    bool ok = true, has_id = false, has_url = false, has_secret = false;
    for (const auto& [key, v] : w.items()) {
      const std::string path = base + "/" + key;
      if (key == "id") {
        has_id = true;
        if (v.is_string() && is_name(v.get<std::string>())) {
          e.id = v.get<std::string>();
        } else {
          errors.push_back(Error{path, "invalid_value", "an id is 1 to 40 of a-z, 0-9, _ and -"});
          ok = false;
        }
      } else if (key == "url") {
        has_url = true;
        if (v.is_string() && is_url(v.get<std::string>())) {
          e.url = v.get<std::string>();
        } else {
          errors.push_back(Error{path, "invalid_value",
                                 "url must be an http:// or https:// URL of at most 2000 characters"});
          ok = false;
        }
      } else if (key == "secret") {
        has_secret = true;
        const size_t n = v.is_string() ? v.get<std::string>().size() : 0;
        if (n >= 16 && n <= 200) {
          e.secret = v.get<std::string>();
        } else {
          errors.push_back(Error{path, "invalid_value", "secret must be 16 to 200 characters"});
          ok = false;
        }
      } else if (key == "events") {
        bool events_ok = v.is_array() && !v.empty();
        std::vector<std::string> events;
        if (events_ok) {
          for (const json& t : v) {
            const bool known = t.is_string() && (t == kEventTypes[0] || t == kEventTypes[1]);
            if (!known) events_ok = false;
            else if (std::find(events.begin(), events.end(), t.get<std::string>()) == events.end())
              events.push_back(t.get<std::string>());
          }
        }
        if (events_ok) {
          e.events = events;
        } else {
          errors.push_back(Error{path, "invalid_value",
                                 "events is a non-empty subset of rating.revision, rating.final"});
          ok = false;
        }
      } else if (key == "secret_set") {
        // as GET shows it; ignored
      } else {
        errors.push_back(Error{path, "unknown_field",
                               "unknown field (expected id, url, secret, events)"});
        ok = false;
      }
    }
    if (!has_id) errors.push_back(Error{base + "/id", "required", "id is required"});
    if (!has_url) errors.push_back(Error{base + "/url", "required", "url is required"});
    if (!has_secret)
      errors.push_back(Error{base + "/secret", "required",
                             "secret is required for a new endpoint (16 to 200 characters)"});
    if (!ok || !has_id || !has_url || !has_secret) continue;
    for (const WebhookEndpoint& other : out.webhooks) {
      if (other.id == e.id) {
        errors.push_back(Error{base + "/id", "conflict", "two endpoints have this id"});
        ok = false;
      }
    }
    if (ok) out.webhooks.push_back(std::move(e));
  }
}

json webhooks_value(const std::vector<WebhookEndpoint>& hooks, bool with_secrets) {
  json list = json::array();
  for (const WebhookEndpoint& w : hooks) {
    json e = {{"id", w.id}, {"url", w.url}, {"events", w.events}};
    if (with_secrets) e["secret"] = w.secret;
    else e["secret_set"] = !w.secret.empty();
    list.push_back(std::move(e));
  }
  return list;
}

// Validates a whole document value; fills `out` when valid. Fields a document stored by an
// older collector lacks take their defaults (popup = enabled).
Errors validate_doc(const json& doc, SiteSettings& out) {
  Errors errors;
  if (!doc.is_object()) {
    errors.push_back(Error{"", "not_an_object", "the settings must be a JSON object"});
    return errors;
  }
  SiteSettings next;
  std::optional<bool> enabled, popup;
  json config = json::object();
  for (const auto& [key, value] : doc.items()) {
    if (key == "enabled" || key == "popup") {
      if (value.is_boolean()) (key == "enabled" ? enabled : popup) = value.get<bool>();
      else errors.push_back(Error{"/" + key, "wrong_type", key + " must be true or false"});
    } else if (key == "config") {
      config = value;
    } else if (key == "requests") {
      check_requests(value, next, errors);
    } else if (key == "webhooks") {
      check_webhooks(value, next, errors);
    } else if (key == "updated_at") {
      // read only (GET shows it); ignored
    } else {
      errors.push_back(Error{"/" + key, "unknown_field",
                             "unknown setting (expected enabled, popup, config, requests, webhooks)"});
    }
  }
  if (enabled && popup && *enabled != *popup)
    errors.push_back(Error{"/popup", "conflict",
                           "popup must equal enabled (the prompt shows exactly when ratings are on)"});
  session_rating::Config parsed;
  Errors config_errors = session_rating::parse_config(dump(config), parsed);
  for (Error& e : config_errors) {
    e.path = "/config" + e.path;
    errors.push_back(std::move(e));
  }
  if (!errors.empty()) return errors;
  next.enabled = enabled.value_or(popup.value_or(false));
  next.window_seconds = parsed.finalise.window_seconds;
  next.from_session_end = parsed.finalise.from == session_rating::FinaliseFrom::SessionEnd;
  next.config_known = config.is_object() && !config.empty();
  next.problems.clear();
  next.all_problems.clear();
  for (const session_rating::Question& q : parsed.questions) {
    std::vector<std::string> ids;
    for (const session_rating::Problem& pr : q.problems) {
      ids.push_back(pr.id);
      next.all_problems.push_back(pr.id);
    }
    next.problems.emplace_back(q.id, std::move(ids));
  }
  next.updated_at = out.updated_at;
  next.doc = dump(json{{"config", config},
                       {"enabled", next.enabled},
                       {"popup", next.enabled},
                       {"requests",
                        {{"cooldown_days", next.cooldown_days},
                         {"unsupported_channels", next.unsupported_channels}}},
                       {"webhooks", webhooks_value(next.webhooks, true)}});
  out = std::move(next);
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
  enabled_.store(settings.enabled, std::memory_order_relaxed);
}

std::string SiteConfig::public_doc(const SiteSettings& s) {
  json doc = parse_json(s.doc);
  if (!doc.is_object()) doc = json::object();
  doc["webhooks"] = webhooks_value(s.webhooks, false);
  doc["updated_at"] = s.updated_at;
  return dump(doc);
}

Errors SiteConfig::apply_patch(const SiteSettings& current, std::string_view body,
                               SiteSettings& out) {
  const json patch = parse_json(body);
  if (patch.is_discarded())
    return {Error{"", "invalid_json", "the body is not valid JSON"}};
  if (Error dup; has_duplicate_key(body, dup)) return {dup};
  if (!patch.is_object())
    return {Error{"", "not_an_object", "the body must be a JSON object"}};
  json doc = parse_json(current.doc);
  if (!doc.is_object()) doc = parse_json(SiteSettings().doc);
  Errors errors;
  const bool has_enabled = patch.contains("enabled"), has_popup = patch.contains("popup");
  for (const auto& [key, value] : patch.items()) {
    if (key == "enabled" || key == "popup") {
      if (!value.is_boolean()) {
        errors.push_back(Error{"/" + key, "wrong_type", key + " must be true or false"});
      } else if (has_enabled && has_popup) {
        doc[key] = value;  // both given: validate_doc refuses them if they differ
      } else {
        doc["enabled"] = value;  // one given: the other follows
        doc["popup"] = value;
      }
    } else if (key == "config") {
      if (value.is_null()) {
        doc["config"] = json::object();
      } else if (!value.is_object()) {
        errors.push_back(Error{"/config", "wrong_type", "config must be an object (a merge patch)"});
      } else {
        if (!doc["config"].is_object()) doc["config"] = json::object();
        doc["config"].merge_patch(value);
      }
    } else if (key == "requests") {
      if (value.is_null()) {
        doc.erase("requests");
      } else if (!value.is_object()) {
        errors.push_back(Error{"/requests", "wrong_type", "requests must be an object (a merge patch)"});
      } else {
        if (!doc["requests"].is_object()) doc["requests"] = json::object();
        doc["requests"].merge_patch(value);
      }
    } else if (key == "webhooks") {
      if (value.is_null()) {
        doc["webhooks"] = json::array();
      } else if (!value.is_array()) {
        errors.push_back(Error{"/webhooks", "wrong_type", "webhooks must be an array (it replaces the list)"});
      } else {
        json list = value;
        for (json& w : list) {
          if (!w.is_object() || w.contains("secret") || !w.contains("id")) continue;
          for (const WebhookEndpoint& stored : current.webhooks)
            if (w["id"] == stored.id) w["secret"] = stored.secret;  // kept
        }
        doc["webhooks"] = std::move(list);
      }
    } else if (key == "updated_at") {
      // read only; ignored so that a GET's document can be sent back
    } else {
      errors.push_back(Error{"/" + key, "unknown_field",
                             "unknown setting (expected enabled, popup, config, requests, webhooks)"});
    }
  }
  SiteSettings next;
  next.updated_at = current.updated_at;
  Errors more = validate_doc(doc, next);
  errors.insert(errors.end(), more.begin(), more.end());
  if (errors.empty()) out = next;
  return errors;
}

}  // namespace collector
