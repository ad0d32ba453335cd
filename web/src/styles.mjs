// styles.mjs — the widget's CSS, placed inside its shadow root. Theme through the `--sr-*`
// custom properties on the host (see docs/widget.md); internal `--_*` values are defaults.
export const CSS = `
:host{all:initial;display:block;contain:content;
--_bg:#fff;--_fg:#1b1f24;--_muted:#57606a;--_border:#d0d7de;--_accent:#0b5cad;--_accent-fg:#fff;
--_star:#b35900;--_focus:#0b5cad;--_error:#b3261e;
font:var(--sr-font,14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);color:var(--sr-fg,var(--_fg))}
@media (prefers-color-scheme:dark){:host{--_bg:#1f2328;--_fg:#f0f3f6;--_muted:#b1bac4;--_border:#57606a;
--_accent:#6cb6ff;--_accent-fg:#0d1117;--_star:#f0b400;--_focus:#6cb6ff;--_error:#ff9492}}
:host([mode=popup]){position:fixed;inset-block-end:16px;inset-inline-end:16px;z-index:var(--sr-z,2147483000);
width:min(360px,calc(100vw - 32px))}
[hidden]{display:none!important}
.panel{position:relative;box-sizing:border-box;background:var(--sr-bg,var(--_bg));border:1px solid var(--sr-border,var(--_border));
border-radius:var(--sr-radius,12px);padding:16px;text-align:start}
:host([mode=popup]) .panel{box-shadow:var(--sr-shadow,0 8px 24px rgba(0,0,0,.18));animation:sr-in .2s ease-out}
@keyframes sr-in{from{opacity:0;transform:translateY(8px)}}
.q{margin:0 0 12px;padding-inline-end:28px;font-weight:600;font-size:1.05em}
.opts{display:flex;gap:4px;flex-wrap:wrap}
.opt{all:unset;box-sizing:border-box;display:inline-flex;align-items:center;justify-content:center;width:44px;height:44px;
border-radius:8px;cursor:pointer;color:var(--sr-muted,var(--_muted))}
.opt svg{width:32px;height:32px;fill:none;stroke:currentColor;stroke-width:1.6;stroke-linecap:round;stroke-linejoin:round}
.stars .opt[data-on],.stars .opt:hover,.stars .opt:has(~ .opt:hover){color:var(--sr-star,var(--_star))}
.stars .opt[data-on] svg,.stars .opt:hover svg,.stars .opt:has(~ .opt:hover) svg{fill:currentColor}
.faces .opt[aria-checked=true],.thumbs .opt[aria-checked=true],.faces .opt:hover,.thumbs .opt:hover{color:var(--sr-accent,var(--_accent))}
.faces .opt[aria-checked=true],.thumbs .opt[aria-checked=true]{background:color-mix(in srgb,var(--sr-accent,var(--_accent)) 14%,transparent)}
.thumbs .opt[aria-checked=true] svg{fill:currentColor}
.dot{fill:currentColor;stroke:none}
fieldset{border:0;margin:12px 0 0;padding:0;min-width:0}
legend{padding:0;margin-bottom:6px;font-weight:600}
.pb{display:flex;align-items:center;gap:8px;padding:3px 0;cursor:pointer}
.pb input{width:18px;height:18px;margin:0;accent-color:var(--sr-accent,var(--_accent))}
.cm{margin-top:12px}
.cm label{display:block;font-weight:600;margin-bottom:4px}
textarea{box-sizing:border-box;width:100%;min-height:72px;resize:vertical;font:inherit;color:inherit;background:transparent;
border:1px solid var(--sr-border,var(--_border));border-radius:8px;padding:8px}
textarea::placeholder{color:var(--sr-muted,var(--_muted));opacity:1}
.cnt,.tl{display:block;margin-top:4px;font-size:.9em;color:var(--sr-muted,var(--_muted))}
.err{margin:8px 0 0;color:var(--sr-error,var(--_error))}
.btn{all:unset;box-sizing:border-box;display:inline-block;margin-top:12px;padding:8px 16px;border-radius:8px;cursor:pointer;
font-weight:600;background:var(--sr-accent,var(--_accent));color:var(--sr-accent-fg,var(--_accent-fg));min-height:36px}
.btn[aria-disabled=true]{opacity:.65}
.link{background:transparent;color:var(--sr-accent,var(--_accent));border:1px solid currentColor}
.close{all:unset;position:absolute;inset-block-start:8px;inset-inline-end:8px;width:32px;height:32px;border-radius:8px;
display:flex;align-items:center;justify-content:center;cursor:pointer;color:var(--sr-muted,var(--_muted))}
.close svg{width:18px;height:18px;stroke:currentColor;stroke-width:2;stroke-linecap:round}
.ty{margin:0;padding-inline-end:28px;font-weight:600}
.sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
:focus{outline:none}
:focus-visible{outline:2px solid var(--sr-focus,var(--_focus));outline-offset:2px}
@media (prefers-reduced-motion:reduce){.panel{animation:none!important}*{transition:none!important}}
@media (forced-colors:active){.panel{border-color:CanvasText}.opt{color:ButtonText;forced-color-adjust:none}
.opt[aria-checked=true]{outline:2px solid Highlight}.stars .opt[data-on] svg,.thumbs .opt[aria-checked=true] svg{fill:Highlight}
.stars .opt[data-on],.opt[aria-checked=true]{color:Highlight}.btn{border:1px solid ButtonText}
:focus-visible{outline-color:Highlight}}
`;
