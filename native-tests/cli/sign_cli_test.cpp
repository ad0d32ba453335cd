// Signed context, native side: `session-rating sign` run as a child process (SR_CLI, set by
// ctest), the MAC and trust decision of the session_rating_sign library (context_trust.h),
// and the Node and Python snippets of docs/security.md ("Signed context") run with node and
// python3 and compared with the CLI. Native only (OpenSSL, child processes).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

#include "session_rating/context_trust.h"
#include "session_rating/record.h"
#include "session_rating/sign.h"
#include "../record_fixture.h"

using namespace session_rating;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef";  // 32 bytes

struct Proc {
  int exit_code = -1;
  std::string out, err;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A fresh temp folder per call (removed by the caller through Dir's destructor).
struct Dir {
  std::string path;
  Dir() {
    char tmpl[] = "/tmp/sr-sign-test-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d) path = d;
  }
  ~Dir() {
    if (!path.empty()) std::system(("rm -rf '" + path + "'").c_str());
  }
  std::string file(const std::string& name, const std::string& content) const {
    const std::string p = path + "/" + name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
};

// Runs a shell command line, capturing stdout and stderr.
Proc sh(const std::string& command) {
  Proc r;
  Dir d;
  if (d.path.empty()) {
    ADD_FAILURE() << "mkdtemp failed";
    return r;
  }
  const int status =
      std::system((command + " >'" + d.path + "/out' 2>'" + d.path + "/err'").c_str());
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_all(d.path + "/out");
  r.err = read_all(d.path + "/err");
  return r;
}

std::string cli() {
  const char* bin = std::getenv("SR_CLI");
  if (!bin || !*bin || access(bin, X_OK) != 0) {
    ADD_FAILURE() << "SR_CLI must name the session-rating binary (ctest sets it)";
    return "false";
  }
  return std::string("'") + bin + "'";
}

// `session-rating sign <args>` with SESSION_RATING_CONTEXT_SECRET=`secret` ("" = unset).
Proc sign(const std::string& args, const std::string& secret = kSecret) {
  const std::string env = secret.empty() ? "env -u SESSION_RATING_CONTEXT_SECRET "
                                         : "SESSION_RATING_CONTEXT_SECRET='" + secret + "' ";
  return sh(env + cli() + " sign " + args);
}

// base64url without padding of HMAC-SHA256(secret, payload), computed by the openssl command
// line tool (an implementation independent of the code under test).
std::string openssl_mac(const std::string& secret, const std::string& payload) {
  const Proc r = sh("printf '%s' '" + payload + "' | openssl dgst -sha256 -hmac '" + secret +
                   "' -binary | base64 -w0 | tr '+/' '-_' | tr -d '='");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.out;
}

std::string section_code_block(const std::string& doc, const std::string& lang) {
  const std::size_t section = doc.find("\n## Signed context");
  if (section == std::string::npos) return "";
  const std::string fence = "```" + lang + "\n";
  const std::size_t start = doc.find(fence, section);
  if (start == std::string::npos) return "";
  const std::size_t end = doc.find("```", start + fence.size());
  if (end == std::string::npos) return "";
  return doc.substr(start + fence.size(), end - start - fence.size());
}

int line_count(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

}  // namespace

// --- the CLI ------------------------------------------------------------------------------

// The fixed vector was computed with:
//   python3 -c 'import hmac,hashlib,base64; p=b"[\"sr1\",1767225600000,\"s-1\",\"u-7\",null,\"agent-4\",true]";
//   print(base64.urlsafe_b64encode(hmac.new(b"0123456789abcdef0123456789abcdef",p,hashlib.sha256).digest()).decode().rstrip("="))'
TEST(SignCli, token_equals_the_fixed_vector_of_the_contracts_example) {
  const Proc r = sign("--session s-1 --rater u-7 --agent agent-4 --internal --now 1767222000000");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "sr1.1767225600000.avysUWekt0IJypuZoiVahNfBfcfk5eQSLMtNwD85aLg\n");
  EXPECT_EQ(r.err, "");
}

TEST(SignCli, token_equals_openssl_hmac_of_the_payload_for_every_field) {
  Dir d;
  const std::string secret = "another site secret, 39 bytes long ....";
  const std::string file = d.file("secret", secret + "\n");  // a trailing newline is not part
  const Proc r = sign("--session call:42 --subject m.3 --agent a_1 --expires-in 60 --now 1000 "
                     "--secret-file '" + file + "'",
                     "");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string payload = R"(["sr1",61000,"call:42",null,"m.3","a_1",false])";
  EXPECT_EQ(r.out, "sr1.61000." + openssl_mac(secret, payload) + "\n");
  // --secret-file wins over the environment.
  const Proc both = sign("--session call:42 --subject m.3 --agent a_1 --expires-in=60 --now=1000 "
                        "--secret-file='" + file + "'");
  EXPECT_EQ(both.out, r.out);
}

TEST(SignCli, default_expiry_is_one_hour_after_now_and_now_defaults_to_the_clock) {
  const Proc r = sign("--session s-9 --now 5");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("sr1.3600005.", 0), 0u) << r.out;
  EXPECT_EQ(r.out, "sr1.3600005." +
                       openssl_mac(kSecret, R"(["sr1",3600005,"s-9",null,null,null,false])") +
                       "\n");
  const Proc live = sign("--session s-9");
  ASSERT_EQ(live.exit_code, 0) << live.err;
  int64_t exp = 0;
  std::string_view mac;
  ASSERT_TRUE(split_context_signature(live.out.substr(0, live.out.size() - 1), exp, mac));
  EXPECT_GT(exp, INT64_C(1767225600000));  // after 2026-01-01: the clock, plus an hour
}

TEST(SignCli, bad_usage_exits_2_with_one_line_on_stderr_and_nothing_on_stdout) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", kSecret},                                        // no --session
      {"--session 'a b'", kSecret},                         // bad id
      {"--session s --rater", kSecret},                     // missing value
      {"--session s --agent ''", kSecret},                  // empty id
      {"--session s --bogus 1", kSecret},                   // unknown flag
      {"--session s extra", kSecret},                       // stray argument
      {"--session s --expires-in 0", kSecret},              // not positive
      {"--session s --expires-in 1.5", kSecret},
      {"--session s --now -3", kSecret},
      {"--session s --now 99999999999999999", kSecret},     // 17 digits
      {"--session s", "x"},                                 // secret too short
      {"--session s", std::string(31, 'k')},
      {"--session s", ""},                                  // no secret at all
      {"--session s --secret-file /nonexistent/secret", ""},
  };
  for (const auto& [args, secret] : cases) {
    const Proc r = sign(args, secret);
    EXPECT_EQ(r.exit_code, 2) << args;
    EXPECT_EQ(r.out, "") << args;
    EXPECT_EQ(line_count(r.err), 1) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("session-rating sign: ", 0), 0u) << r.err;
  }
  // Exactly 32 bytes is enough.
  EXPECT_EQ(sign("--session s", std::string(32, 'k')).exit_code, 0);
}

TEST(SignCli, help_lists_the_sign_command) {
  const Proc r = sh(cli() + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("  sign --session ID"), std::string::npos) << r.out;
  const Proc own = sh(cli() + " sign --help");
  EXPECT_EQ(own.exit_code, 0);
  EXPECT_NE(own.out.find("SESSION_RATING_CONTEXT_SECRET"), std::string::npos);
}

// --- the library (context_trust.h) ----------------------------------------------------------

TEST(ContextTrust, verify_gives_each_trust_value) {
  Record r = sr_test::rec("a", 1, 5);
  r.rater_id = "u-7";
  r.agent_id = "agent-4";
  r.internal = true;
  const std::vector<std::string> secrets = {kSecret};
  const int64_t now = 1000000;

  EXPECT_EQ(verify_context({}, r, now), ContextTrust::None);
  EXPECT_EQ(verify_context(secrets, r, now), ContextTrust::Unsigned);

  Context c;
  c.session_id = r.session_id;
  c.rater_id = r.rater_id;
  c.agent_id = r.agent_id;
  c.internal = true;
  r.context_signature = sign_context(kSecret, now + 1, c);
  EXPECT_EQ(verify_context(secrets, r, now), ContextTrust::Signed);
  EXPECT_EQ(verify_context({}, r, now), ContextTrust::None);            // no secret: as sent
  EXPECT_EQ(verify_context(secrets, r, now + 1), ContextTrust::Expired);  // exp <= now
  EXPECT_EQ(verify_context(secrets, r, now + 5000), ContextTrust::Expired);

  for (int field = 0; field < 5; ++field) {  // any signed field changed → invalid
    Record t = r;
    if (field == 0) t.session_id = "other";
    if (field == 1) t.rater_id.reset();
    if (field == 2) t.subject_id = "m-1";
    if (field == 3) t.agent_id = "agent-5";
    if (field == 4) t.internal = false;
    EXPECT_EQ(verify_context(secrets, t, now), ContextTrust::Invalid) << field;
  }
  Record topic = r;  // unsigned fields may differ
  topic.topic = "billing";
  topic.rating_id = "other-id";
  EXPECT_EQ(verify_context(secrets, topic, now), ContextTrust::Signed);

  const std::string other(40, 'o');
  EXPECT_EQ(verify_context({other}, r, now), ContextTrust::Invalid);
  EXPECT_EQ(verify_context({other, kSecret}, r, now), ContextTrust::Signed);  // rotation
  EXPECT_EQ(verify_context({kSecret, other}, r, now), ContextTrust::Signed);

  Record expired_forged = r;  // an expired token with a wrong mac is invalid, not expired
  expired_forged.context_signature =
      make_context_signature(now - 1, std::string(kContextMacLength, 'A'));
  EXPECT_EQ(verify_context(secrets, expired_forged, now), ContextTrust::Invalid);
}

TEST(ContextTrust, mac_is_43_base64url_characters_of_hmac_sha256) {
  const std::string payload = R"(["sr1",1767225600000,"s-1","u-7",null,"agent-4",true])";
  EXPECT_EQ(context_mac(kSecret, payload), "avysUWekt0IJypuZoiVahNfBfcfk5eQSLMtNwD85aLg");
  for (const std::string p : {"", "x", "[\"sr1\",1,\"s\",null,null,null,false]"}) {
    EXPECT_EQ(context_mac(kSecret, p), openssl_mac(kSecret, p)) << p;
  }
}

TEST(ContextTrust, names_round_trip_and_internal_is_honoured_only_when_none_or_signed) {
  for (ContextTrust t : {ContextTrust::None, ContextTrust::Signed, ContextTrust::Unsigned,
                         ContextTrust::Invalid, ContextTrust::Expired}) {
    ContextTrust back = ContextTrust::Invalid;
    ASSERT_TRUE(parse_context_trust(context_trust_name(t), back));
    EXPECT_EQ(back, t);
    EXPECT_FALSE(internal_honoured(false, t));
  }
  ContextTrust unchanged = ContextTrust::Expired;
  EXPECT_FALSE(parse_context_trust("trusted", unchanged));
  EXPECT_EQ(unchanged, ContextTrust::Expired);
  EXPECT_TRUE(internal_honoured(true, ContextTrust::None));
  EXPECT_TRUE(internal_honoured(true, ContextTrust::Signed));
  EXPECT_FALSE(internal_honoured(true, ContextTrust::Unsigned));
  EXPECT_FALSE(internal_honoured(true, ContextTrust::Invalid));
  EXPECT_FALSE(internal_honoured(true, ContextTrust::Expired));
}

// --- docs/security.md's snippets ------------------------------------------------------------

TEST(SignDocs, node_and_python_snippets_give_the_clis_token) {
  const std::string doc = read_all(std::string(SR_SOURCE_DIR) + "/docs/security.md");
  const std::string node = section_code_block(doc, "js");
  const std::string python = section_code_block(doc, "python");
  ASSERT_FALSE(node.empty()) << "no ```js block in the Signed context section";
  ASSERT_FALSE(python.empty()) << "no ```python block in the Signed context section";
  EXPECT_LE(line_count(node), 10);
  EXPECT_LE(line_count(python), 10);

  struct Case {
    std::string cli_args;
    int64_t exp;
    std::string js_ctx, py_args;
  };
  const std::vector<Case> cases = {
      {"--session s-1 --rater u-7 --agent agent-4 --internal --now 1767222000000", 1767225600000,
       "{ session_id: 's-1', rater_id: 'u-7', agent_id: 'agent-4', internal: true }",
       "'s-1', rater_id='u-7', agent_id='agent-4', internal=True"},
      {"--session call:9 --subject m.2 --expires-in 86400 --now 0", 86400000,
       "{ session_id: 'call:9', subject_id: 'm.2' }", "'call:9', subject_id='m.2'"},
  };
  Dir d;
  for (const Case& c : cases) {
    const Proc want = sign(c.cli_args);
    ASSERT_EQ(want.exit_code, 0) << want.err;
    const std::string js = d.file("snippet.mjs", node + "\nconsole.log(signContext('" + kSecret +
                                                     "', " + std::to_string(c.exp) + ", " +
                                                     c.js_ctx + "));\n");
    const Proc got_js = sh("node '" + js + "'");
    EXPECT_EQ(got_js.exit_code, 0) << got_js.err;
    EXPECT_EQ(got_js.out, want.out) << c.cli_args;
    const std::string py = d.file("snippet.py", python + "\nprint(sign_context('" + kSecret +
                                                    "', " + std::to_string(c.exp) + ", " +
                                                    c.py_args + "))\n");
    const Proc got_py = sh("python3 '" + py + "'");
    EXPECT_EQ(got_py.exit_code, 0) << got_py.err;
    EXPECT_EQ(got_py.out, want.out) << c.cli_args;
  }
}
