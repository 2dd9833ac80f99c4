/// The dashboard's only stylesheet (`/assets/app.css`): mobile first, light and dark themes
/// through custom properties, no external fonts or frameworks.
enum Stylesheet {
    static let css = #"""
    :root{--bg:#f4f6f8;--panel:#fff;--text:#17212b;--muted:#5b6875;--line:#dde3e9;--accent:#12805c;--accent-2:#0b6b4c;
    --accent-soft:#e2f4ec;--warn:#b45309;--warn-soft:#fdf0dc;--danger:#c0352b;--danger-soft:#fbe6e4;--info:#2463b5;--info-soft:#e3edfb;
    --shadow:0 1px 2px rgba(16,24,40,.06),0 1px 3px rgba(16,24,40,.08);--radius:12px;color-scheme:light}
    [data-theme=dark]{--bg:#0f1419;--panel:#182028;--text:#e6edf3;--muted:#9aa7b4;--line:#2a3541;--accent:#34c38f;--accent-2:#5ad3a5;
    --accent-soft:#123a2c;--warn:#f0a44b;--warn-soft:#3a2a14;--danger:#f2776d;--danger-soft:#3d1c1a;--info:#7fb0f5;--info-soft:#1a2c45;
    --shadow:0 1px 2px rgba(0,0,0,.4);color-scheme:dark}
    *{box-sizing:border-box}[hidden]{display:none!important}
    html,body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
    a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
    :focus-visible{outline:3px solid var(--accent);outline-offset:2px;border-radius:6px}
    .skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--panel);padding:8px;z-index:9}
    .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
    header.top{background:var(--panel);border-bottom:1px solid var(--line);position:sticky;top:0;z-index:5}
    .bar{display:flex;align-items:center;gap:12px;padding:10px 16px;max-width:1200px;margin:0 auto}
    .brand{display:flex;align-items:center;gap:8px;font-weight:700;font-size:18px;color:var(--text)}
    .brand .dot{width:26px;height:26px;border-radius:8px;background:var(--accent);display:grid;place-items:center;color:#fff;font-size:15px}
    .spacer{flex:1}
    nav.main{display:flex;gap:4px;overflow-x:auto;padding:0 12px 8px;max-width:1200px;margin:0 auto;scrollbar-width:none}
    nav.main a{white-space:nowrap;padding:7px 12px;border-radius:999px;color:var(--muted);font-weight:500}
    nav.main a[aria-current=page]{background:var(--accent-soft);color:var(--accent)}
    nav.main a:hover{text-decoration:none;color:var(--text)}
    @media (max-width:760px){nav.main{-webkit-mask-image:linear-gradient(90deg,#000 88%,transparent);mask-image:linear-gradient(90deg,#000 88%,transparent)}}
    .iconbtn{background:none;border:1px solid var(--line);color:var(--text);border-radius:999px;height:34px;min-width:34px;padding:0 10px;cursor:pointer;font:inherit;font-size:13px}
    .who{color:var(--muted);font-size:13px;display:none}
    main{max-width:1200px;margin:0 auto;padding:16px}
    h1{font-size:22px;margin:4px 0 16px}h2{font-size:16px;margin:0 0 12px}
    .grid{display:grid;gap:12px;grid-template-columns:repeat(2,1fr)}
    .card{background:var(--panel);border:1px solid var(--line);border-radius:var(--radius);box-shadow:var(--shadow);padding:16px;min-width:0}
    .stat .label{color:var(--muted);font-size:13px}.stat .value{font-size:26px;font-weight:700;font-variant-numeric:tabular-nums}
    .stack{display:grid;gap:16px;margin-top:16px}
    .two{display:grid;gap:16px;align-items:start}
    table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:10px 8px;border-bottom:1px solid var(--line);vertical-align:middle}
    th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
    tr:last-child td{border-bottom:0}td.num{font-variant-numeric:tabular-nums;text-align:right}
    .table-wrap{overflow-x:auto}
    .badge{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;background:var(--info-soft);color:var(--info);white-space:nowrap}
    .badge.done,.badge.connected,.badge.linked,.badge.read,.badge.delivered,.badge.sent{background:var(--accent-soft);color:var(--accent)}
    .badge.paused,.badge.waiting-approval,.badge.linking,.badge.retrying,.badge.waiting-to-reconnect{background:var(--warn-soft);color:var(--warn)}
    .badge.failed,.badge.cancelled,.badge.logged-out,.badge.banned,.badge.stopped{background:var(--danger-soft);color:var(--danger)}
    .chips{display:flex;flex-wrap:wrap;gap:6px}
    .meter{margin:10px 0}.meter .row{gap:6px;margin:0 0 4px}
    .card h3{font-size:14px;margin:18px 0 6px;color:var(--muted)}
    .chip{display:inline-block;padding:4px 12px;border:1px solid var(--line);border-radius:999px;font-size:13px;font-weight:600;text-decoration:none;color:var(--text);background:var(--panel)}
    .chip:hover,.chip:focus-visible{border-color:var(--accent);color:var(--accent)}
    .progress{height:10px;background:var(--line);border-radius:999px;overflow:hidden;min-width:80px}
    .progress>span{display:block;height:100%;background:var(--accent);border-radius:999px;transition:width .4s ease}
    .progress.big{height:16px}
    .muted{color:var(--muted)}.small{font-size:13px}
    .stuck{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 8px;margin:12px 0 0;padding:8px 10px;background:var(--bg);border-radius:10px}
    .stuck b{font-size:20px;font-variant-numeric:tabular-nums}.stuck span{font-size:12px;color:var(--muted)}.stuck p{flex-basis:100%;margin:4px 0 0}
    .stuck.alert{border-left:4px solid var(--danger)}.stuck.alert b{color:var(--danger)}
    .counters{display:grid;grid-template-columns:repeat(3,1fr);gap:8px;margin-top:12px}
    .counters div{background:var(--bg);border-radius:10px;padding:8px 10px}.counters b{display:block;font-size:20px;font-variant-numeric:tabular-nums}
    .counters span{font-size:12px;color:var(--muted)}
    .actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
    .btn{display:inline-flex;align-items:center;justify-content:center;gap:6px;border-radius:10px;border:1px solid var(--line);background:var(--panel);color:var(--text);
    padding:9px 16px;font:inherit;font-weight:600;cursor:pointer;min-height:40px}
    .btn:hover{text-decoration:none;border-color:var(--muted)}
    .btn.primary{background:var(--accent);border-color:var(--accent);color:#fff}.btn.primary:hover{background:var(--accent-2)}
    [data-theme=dark] .btn.primary{color:#06281c}
    .btn.danger{color:var(--danger);border-color:var(--danger)}
    .btn[disabled]{opacity:.5;cursor:not-allowed}
    label{display:block;font-weight:600;margin:14px 0 6px}
    input[type=text],input[type=password],input[type=tel],select,textarea{width:100%;padding:10px 12px;border-radius:10px;border:1px solid var(--line);
    background:var(--bg);color:var(--text);font:inherit}
    textarea{min-height:120px;resize:vertical}textarea.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;min-height:80px}
    .hint{color:var(--muted);font-size:13px;margin-top:4px}
    input[type=date],input[type=time],input[type=number]{padding:9px 12px;border-radius:10px;border:1px solid var(--line);background:var(--bg);color:var(--text);font:inherit;min-height:42px}
    input:disabled{opacity:.55}
    fieldset.options{border:1px solid var(--line);border-radius:10px;padding:4px 14px 14px;margin:18px 0 0;min-width:0}
    fieldset.options legend{font-weight:600;padding:0 6px}
    label.check{display:flex;align-items:center;gap:10px;font-weight:500;margin:10px 0}.checks label.check{flex-wrap:wrap}
    label.check input{width:20px;height:20px;margin:0;accent-color:var(--accent);flex:none}
    .checks{display:grid;gap:0}
    .inline{display:flex;flex-wrap:wrap;gap:8px;align-items:center}.inline input{flex:1 1 90px;min-width:0}
    /* Below the sticky header when the script (or a link) scrolls a field into view. */
    #new-campaign [id]{scroll-margin-top:118px}
    #priority{max-width:160px}
    .field-error{color:var(--danger);font-size:13px;margin-top:6px;font-weight:600}
    .invalid,fieldset.invalid{border-color:var(--danger)!important}
    details.advanced{margin-top:18px;border-top:1px solid var(--line);padding-top:12px}
    details.advanced summary{cursor:pointer;font-weight:600;color:var(--muted);min-height:32px;display:flex;align-items:center}
    .variant{margin-top:4px}.variant .row{justify-content:space-between}.variant .row label{margin:14px 0 6px}
    #add-variant{margin-top:10px}
    /* The segment builder: one condition a row, wrapping on a phone; the A/B test's fields in a grid. */
    .segment-row{display:flex;flex-wrap:wrap;gap:8px;align-items:center;padding:10px 0;border-bottom:1px dashed var(--line)}
    .segment-row select{flex:1 1 200px;width:auto;min-width:0;max-width:100%}.segment-row input{flex:1 1 110px;min-width:0;width:auto}
    .segment-row .segment-remove{flex:none}
    .segment-row .field-error{flex-basis:100%;margin-top:0}.segment-row.invalid input{border-color:var(--danger)}
    .segment-join{margin-top:6px}.segment-join label{margin:0}.segment-join select{width:auto;flex:1 1 200px}
    #add-segment-row{margin-top:10px}#segment-count{margin-top:10px}
    .ab-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:0 14px}.ab-grid input{width:100%;min-width:0}
    .ab-grid .inline{flex-wrap:nowrap}.ab-grid .inline input{flex:1 1 60px;width:auto}.ab-grid .inline select{width:auto;flex:0 1 auto}
    .wa-bold{font-weight:700}.wa-italic{font-style:italic}.wa-strike{text-decoration:line-through}
    .wa-mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.92em}
    .counters.three{grid-template-columns:repeat(3,1fr)}
    .waiting li{margin:4px 0}
    .drop{border:2px dashed var(--line);border-radius:var(--radius);padding:22px;text-align:center;color:var(--muted);cursor:pointer;background:var(--bg);transition:border-color .2s,background .2s}
    .drop.over{border-color:var(--accent);background:var(--accent-soft);color:var(--accent)}
    .drop.filled{border-style:solid;border-color:var(--accent);color:var(--text)}
    .drop input{display:none}
    .preview{display:flex;flex-direction:column;gap:8px;background:#e7ddd3;border-radius:var(--radius);padding:16px;min-height:120px;
    background-image:radial-gradient(rgba(0,0,0,.04) 1px,transparent 1px);background-size:12px 12px}
    [data-theme=dark] .preview{background-color:#0b141a}
    .bubble{align-self:flex-end;max-width:90%;background:#d9fdd3;color:#111b21;border-radius:10px 2px 10px 10px;padding:8px 10px;white-space:pre-wrap;
    word-break:break-word;box-shadow:0 1px .5px rgba(0,0,0,.13)}
    [data-theme=dark] .bubble{background:#005c4b;color:#e9edef}
    .bubble img{display:block;max-width:100%;border-radius:6px;margin-bottom:6px}
    .preview .to{align-self:flex-end;color:#54656f;font-size:12px}[data-theme=dark] .preview .to{color:#8696a0}
    .preview-more{display:flex;flex-direction:column;gap:8px}.preview-more .to{align-self:flex-end}
    .bubble img{width:auto;height:auto}
    #preview-card.busy .preview{opacity:.6;transition:opacity .2s}
    .facts{display:grid;gap:4px;margin-top:10px}.fact{font-variant-numeric:tabular-nums;font-weight:600}
    ul.problems,ul.refusals{margin:10px 0 0;padding-left:20px}ul.refusals{color:var(--muted);max-height:220px;overflow:auto}
    ul.problems{padding-left:30px}ul.refusals li.warn{color:var(--warn)}
    .small-btn{min-height:32px;padding:4px 10px;font-size:13px}.stack-sm{margin-top:16px;border-top:1px solid var(--line);padding-top:12px}
    h3{font-size:15px;margin:0 0 8px}
    .nowrap{white-space:nowrap}
    #template-editor .preview{margin-top:12px;min-height:0}.bubble.bad{background:var(--danger-soft);color:var(--danger)}
    .actions .summary{align-self:center;color:var(--muted);font-variant-numeric:tabular-nums}
    @media (min-width:720px){.actions .summary{display:none}}
    .toolbar{display:flex;flex-wrap:wrap;gap:8px;align-items:center}.toolbar input{flex:1;min-width:160px}
    .pager{display:flex;gap:8px;align-items:center;justify-content:flex-end;margin-top:10px}
    .result-valid{color:var(--accent)}.result-bad{color:var(--danger)}.result-dup{color:var(--warn)}
    .tpl{display:grid;gap:10px}.tpl .bubble{align-self:stretch;max-width:100%}.tpl h3{margin:0;font-size:15px}
    .tpl-list{display:grid;gap:12px}
    textarea.editor{min-height:260px}textarea.editor.tall{min-height:440px;white-space:pre;overflow-wrap:normal;overflow-x:auto}
    @media (min-width:720px){.tpl-list{grid-template-columns:1fr 1fr}}
    @media (min-width:1024px){.sticky{position:sticky;top:110px}}
    .alert{padding:10px 14px;border-radius:10px;margin:12px 0;background:var(--danger-soft);color:var(--danger)}
    .alert.ok{background:var(--accent-soft);color:var(--accent)}
    .alert.warn{background:var(--warn-soft);color:var(--warn)}
    .alert:empty{display:none}
    .login{min-height:100vh;display:grid;place-items:center;padding:16px}
    .login .card{width:100%;max-width:380px;padding:28px}
    .login .brand{justify-content:center;margin-bottom:6px}.login p.tag{text-align:center;color:var(--muted);margin:0 0 8px}
    .login .btn{width:100%;margin-top:20px}
    .login .prefs{display:flex;justify-content:center;gap:8px;margin-top:16px}
    .qr{background:#fff;padding:8px;border-radius:12px;width:100%;max-width:260px;aspect-ratio:1;display:block;margin:8px auto}
    .paircode{font:700 28px/1.2 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.12em;text-align:center;margin:12px 0}
    .chart{display:flex;align-items:flex-end;gap:8px;height:160px;padding-top:8px;border-bottom:1px solid var(--line)}
    .chart .col{flex:1;display:flex;flex-direction:column;justify-content:flex-end;align-items:stretch;height:100%;min-width:12px;max-width:64px}
    .chart .ok{background:var(--accent);border-radius:4px 4px 0 0}.chart .bad{background:var(--danger)}
    .chart-labels{display:flex;gap:8px}.chart-labels span{flex:1;font-size:11px;color:var(--muted);overflow:hidden;text-overflow:ellipsis;white-space:nowrap;text-align:center;min-width:12px;max-width:64px}
    .legend{display:flex;gap:14px;font-size:12px;color:var(--muted);margin-top:8px}.legend i{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:5px;vertical-align:-1px}
    .stages{display:flex;flex-wrap:wrap;gap:6px}.stages span{font-size:12px;padding:3px 9px;border-radius:999px;background:var(--bg);color:var(--muted)}
    .stages span.on{background:var(--accent-soft);color:var(--accent)}
    .live{display:inline-flex;align-items:center;gap:6px;font-size:12px;color:var(--muted)}
    .live::before{content:"";width:8px;height:8px;border-radius:50%;background:var(--muted)}
    .live.on::before{background:var(--accent);box-shadow:0 0 0 3px var(--accent-soft)}
    .row{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
    .hide-sm{display:none}.show-sm{display:block}
    input[type=file]{font:inherit;font-size:13px;color:var(--muted);max-width:100%}
    /* The browser's own file button speaks the browser's language; this one speaks the page's. */
    .file-pick{display:inline-flex;align-items:center;gap:8px;position:relative;cursor:pointer;max-width:100%}
    .file-pick input{position:absolute;opacity:0;width:1px;height:1px;overflow:hidden}
    .file-pick:has(input:focus-visible) .btn{outline:3px solid var(--accent);outline-offset:2px}
    .file-pick .file-name{font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:22ch}
    input[type=file]::file-selector-button{font:inherit;font-weight:600;border:1px solid var(--line);background:var(--panel);color:var(--text);border-radius:8px;padding:6px 12px;margin-right:8px;cursor:pointer}
    @media (min-width:720px){
      .grid{grid-template-columns:repeat(3,1fr)}.two{grid-template-columns:1fr 1fr}.who{display:inline}
      .counters{grid-template-columns:repeat(6,1fr)}.hide-sm{display:table-cell}.show-sm{display:none}main{padding:24px}
    }
    @media (min-width:1024px){.grid{grid-template-columns:repeat(6,1fr)}.two.wide{grid-template-columns:3fr 2fr}}
    .ai-tools{margin-top:16px;padding:14px;border:1px solid var(--line);border-radius:var(--radius);background:var(--bg)}
    .ai-tools h3{margin:0}.ai-tools label{margin:10px 0 4px}.ai-tools textarea.ai-prompt{min-height:64px;background:var(--panel)}
    .ai-options{display:grid;grid-template-columns:repeat(3,1fr);gap:8px}.ai-options label{font-weight:500;font-size:13px}.ai-options select{margin-top:4px;background:var(--panel)}
    .ai-improve{display:inline-flex;gap:8px;align-items:center}.ai-improve select{width:auto;min-height:40px;background:var(--panel)}
    .ai-tools.busy .ai-result{opacity:.7}.ai-result{margin-top:12px;display:grid;gap:12px}
    .ai-variant{display:grid;gap:8px;padding:12px;border-radius:10px;background:var(--panel);border:1px solid var(--line)}
    .ai-variant .preview{min-height:0;padding:10px}.ai-variant .bubble{max-width:min(90%,380px)}.ai-variant .bubble img{max-height:220px;width:auto;max-width:100%;margin:0 auto 6px}.ai-result h4{margin:4px 0 0;font-size:13px;color:var(--muted)}
    .ai-changes{margin:0;padding-left:20px}.ai-notes ul{margin-top:4px}
    .diff{font:13px/1.5 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-word;background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:8px;max-height:320px;overflow:auto}
    .diff .d-added{background:var(--accent-soft);color:var(--accent)}.diff .d-removed{background:var(--danger-soft);color:var(--danger)}.diff .d-same{color:var(--muted)}
    .insights{margin:0}.insights+.hint{margin:4px 0 0}
    @media (max-width:420px){.ai-options{grid-template-columns:1fr 1fr}}
    @media (prefers-reduced-motion:reduce){*{transition:none!important}}
        /* Inbox */
    .conversations{list-style:none;margin:10px 0 0;padding:0;display:grid;gap:2px;max-height:70vh;overflow:auto}
    .conversations a{display:grid;gap:2px;padding:8px 10px;border-radius:8px;color:inherit;text-decoration:none}
    .conversations a:hover,.conversations li[aria-current] a{background:var(--accent-soft)}
    .conversations .last{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}.who-line{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
    .badge.unread{background:var(--accent);color:#fff}
    .filters{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px;align-items:center}.filters input[type=text]{flex:1 1 160px}
    label.check{display:inline-flex;gap:6px;align-items:center;font-size:14px}
    .chat{max-height:60vh;overflow:auto;margin-top:10px}
    .bubble.in{align-self:flex-start;background:#fff;border-radius:2px 10px 10px 10px}[data-theme=dark] .bubble.in{background:#202c33;color:#e9edef}
    .bubble.in.optout{outline:2px solid var(--danger)}
    .bubble .meta{display:block;text-align:right;font-size:11px;color:#667781;margin-top:2px}[data-theme=dark] .bubble .meta{color:#8696a0}
    .tick.read{color:#53bdeb}.failed-text{color:var(--danger)}
    .answer{margin-top:12px;display:grid;gap:8px}.answer textarea{min-height:80px}.inbox-actions{margin-top:8px}
    .sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
"""#
}
