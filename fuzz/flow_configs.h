// flow_configs.h — the fixed configs of the "events" and "snapshot" targets. An events input
// whose first line is one digit picks one of these (else its first line is the config itself).
// fuzz/wasm-agree.mjs reads the same texts from this file (each raw string literal with the delimiter cfg, in
// order), so keep one literal per config.
#pragma once

#include <cstddef>

namespace sr_fuzz {

inline constexpr const char* kFlowConfigs[] = {
    // 0: stars, comment box, default problems, redaction on (the default), 1 h window.
    R"cfg({"comment":{"enabled":true}})cfg",
    // 1: thumbs, comment required (40 code points), redaction off, final at first submit.
    R"cfg({"scale":"thumbs","redact_pii":false,"comment":{"enabled":true,"required":true,"max_length":40},"finalise":{"window_seconds":0}})cfg",
    // 2: three questions (two thumbs, an nps one), redaction off.
    R"cfg({"questions":[{"id":"HELPFUL_THUMBS"},{"id":"EXPERIENCE_THUMBS"},{"id":"nps","scale":"nps","required":true}],"redact_pii":false})cfg",
    // 3: emoji, 60 s window from the session's end, comment box, redaction on.
    R"cfg({"scale":"emoji","finalise":{"window_seconds":60,"from":"session_end"},"comment":{"enabled":true}})cfg",
};
inline constexpr std::size_t kFlowConfigCount = sizeof(kFlowConfigs) / sizeof(kFlowConfigs[0]);

// The context of every events flow.
inline constexpr const char* kFlowContext =
    R"cfg({"session_id":"fuzz-session","rater_id":"r-1","topic":"fuzz","properties":{"plan":"pro"}})cfg";

}  // namespace sr_fuzz
