/// The dashboard's only script (`/assets/app.js`): theme and language toggles, actions with the
/// CSRF header, live updates over Server-Sent Events, drag-and-drop uploads with a preview.
enum Script {
    static let js = #"""
    (function(){
    "use strict";
    var doc=document, root=doc.documentElement;
    var csrf=(doc.querySelector('meta[name=csrf]')||{}).content||"";
    var labels={};try{labels=JSON.parse((doc.getElementById('i18n')||{}).textContent||"{}")}catch(e){}
    function t(k){return labels[k]||k}
    function setCookie(n,v){doc.cookie=n+"="+v+"; path=/; max-age=31536000; SameSite=Strict"}
    function $(s,el){return (el||doc).querySelector(s)}
    function $$(s,el){return Array.prototype.slice.call((el||doc).querySelectorAll(s))}
    // Theme: remembered in localStorage and a cookie (so the server renders it without a flash).
    var saved=null;try{saved=localStorage.getItem('theme')}catch(e){}
    if(saved&&saved!==root.dataset.theme){root.dataset.theme=saved;setCookie('theme',saved)}
    $$('[data-toggle=theme]').forEach(function(b){b.addEventListener('click',function(){
      var next=root.dataset.theme==='dark'?'light':'dark';root.dataset.theme=next;
      try{localStorage.setItem('theme',next)}catch(e){}setCookie('theme',next)})});
    $$('[data-lang]').forEach(function(b){b.addEventListener('click',function(){setCookie('lang',b.dataset.lang);location.reload()})});
    function api(method,url,body,isForm){
      var h={'X-CSRF-Token':csrf};if(body&&!isForm){h['Content-Type']='application/json';body=JSON.stringify(body)}
      return fetch(url,{method:method,headers:h,body:body,credentials:'same-origin'}).then(function(r){
        return r.text().then(function(x){var j={};try{j=JSON.parse(x)}catch(e){}if(!r.ok){var err=new Error(j.message||(r.status+' '+r.statusText));err.fields=j.fields||null;err.problems=j.problems||null;throw err}return j})})}
    function flash(msg,ok){var a=$('#flash');if(!a)return;a.textContent=msg;a.className='alert'+(ok?' ok':'')}
    // On a phone the navigation scrolls sideways: bring the current page's link into view.
    function showCurrent(){var cur=$('nav.main [aria-current=page]'),nav=cur&&cur.parentNode;if(!nav||nav.scrollWidth<=nav.clientWidth)return;
      var r=cur.getBoundingClientRect(),n=nav.getBoundingClientRect();if(r.left<n.left||r.right>n.right-8)nav.scrollLeft+=(r.left+r.width/2)-(n.left+n.width/2)}
    showCurrent();window.addEventListener('load',showCurrent);window.addEventListener('resize',showCurrent);
    $$('[data-logout]').forEach(function(b){b.addEventListener('click',function(){api('POST','/api/logout').finally(function(){location.href='/login'})})});
    // Buttons that post one action: data-post=url, data-body=JSON, data-confirm=text.
    $$('[data-post]').forEach(function(b){b.addEventListener('click',function(){
      if(b.dataset.confirm&&!confirm(b.dataset.confirm))return;
      var body=b.dataset.body?JSON.parse(b.dataset.body):{};
      if(b.dataset.nameFrom){var n=$(b.dataset.nameFrom);if(!n||!n.value.trim()){n&&n.focus();return}body.session=n.value.trim()}
      if(b.dataset.phoneFrom){var p=$(b.dataset.phoneFrom);if(p&&p.value.trim())body.phone=p.value.replace(/\D/g,'');else if(b.dataset.needsPhone){p&&p.focus();return}}
      b.disabled=true;
      api(b.dataset.method||'POST',b.dataset.post,body).then(function(j){flash(j.message||'OK',true);if(b.dataset.reload!==undefined)setTimeout(function(){location.reload()},400)})
        .catch(function(e){flash(e.message)}).finally(function(){b.disabled=false})})});
    function el(tag,cls,text){var n=doc.createElement(tag);if(cls)n.className=cls;if(text!=null)n.textContent=text;return n}
    // Times in the configured zone (the server's sending.timezone), not the browser's.
    function clock(iso,tz){var d=new Date(iso);try{return d.toLocaleTimeString('en-GB',{timeZone:tz||undefined,hour12:false})}catch(e){return d.toLocaleTimeString()}}
    // Message text as WhatsApp shows it: the server's runs, each in a span with its styles.
    function styled(node,m){if(!m||!m.runs){node.appendChild(doc.createTextNode(m?m.text:'…'));return}
      m.runs.forEach(function(r){if(!r.style.length){node.appendChild(doc.createTextNode(r.text));return}
        node.appendChild(el('span',r.style.map(function(x){return 'wa-'+x}).join(' '),r.text))})}
    function setText(sel,v,el){$$(sel,el).forEach(function(n){n.textContent=v})}
    function applyCampaign(c,el){
      el=el||doc;
      setText('[data-f=state]',t('state.'+c.state),el);
      $$('[data-f=state]',el).forEach(function(n){n.className='badge '+c.state});
      ['total','pending','sent','delivered','read','replied','failed'].forEach(function(k){setText('[data-f='+k+']',c.counts[k],el)});
      setText('[data-f=progress]',c.progress+'%',el);
      $$('[data-f=bar]',el).forEach(function(n){n.style.width=c.progress+'%'});
      $$('[data-show-when]',el).forEach(function(n){n.hidden=n.dataset.showWhen.split(' ').indexOf(c.state)<0});
    }
    // Live updates.
    var live=$('[data-live]');
    if(live&&window.EventSource){
      var url=live.dataset.live, es=new EventSource(url), dot=$('.live'), reloadSoon=null;
      es.onopen=function(){dot&&dot.classList.add('on')};
      es.onerror=function(){dot&&dot.classList.remove('on')};
      es.addEventListener('campaign',function(e){var c=JSON.parse(e.data);
        if(live.dataset.campaign){if(c.id===live.dataset.campaign){applyCampaign(c);if(live.dataset.refresh)refreshMessages()}return}
        var row=$('[data-campaign="'+c.id+'"]');
        if(row)applyCampaign(c,row);else if(live.dataset.addRows&&!reloadSoon){reloadSoon=setTimeout(function(){location.reload()},800)}});
      es.addEventListener('end',function(){es.close();dot&&dot.classList.remove('on');setTimeout(function(){location.reload()},1200)});
      es.addEventListener('session',function(e){var s=JSON.parse(e.data),card=$('[data-session="'+s.name+'"]');if(!card)return;
        setText('[data-f=state]',t('state.'+s.state),card);$$('[data-f=state]',card).forEach(function(n){n.className='badge '+s.state});
        setText('[data-f=phone]',s.phone?('+'+s.phone):'—',card);
        var qr=$('[data-f=qr]',card),code=$('[data-f=code]',card);
        if(qr){if(s.qr){qr.hidden=false;$('img',qr).src='/api/sessions/'+encodeURIComponent(s.name)+'/qr.svg?v='+(s.qrIndex||0)}else qr.hidden=true}
        if(code){if(s.pairingCode){code.hidden=false;setText('.paircode',s.pairingCode,code)}else code.hidden=true}
        var note=$('[data-f=notice]',card);if(note){note.textContent=s.notice||'';note.hidden=!s.notice}
        var until=s.restrictedUntil?Math.floor(Date.parse(s.restrictedUntil)/1000)*1000:0;if(until<=Date.now())until=0;
        // A restriction started, moved or ended, or another worker took the number over: the server words the card again.
        var shown=+(card.dataset.restrictedUntil||0),moved=(s.worker||'')!==(card.dataset.worker||'');
        if((moved||Math.floor(shown/1000)!==Math.floor(until/1000))&&!reloadSoon){reloadSoon=setTimeout(function(){location.reload()},800)}});
    }
    var refreshing=false;
    function refreshMessages(){var tb=$('#messages');if(!tb||refreshing)return;refreshing=true;
      fetch('/api/campaigns/'+encodeURIComponent(live.dataset.campaign)+'/messages?limit=10',{credentials:'same-origin'}).then(function(r){return r.json()}).then(function(list){
        if(!Array.isArray(list))return;tb.textContent='';
        list.forEach(function(m){var tr=doc.createElement('tr');[m.phone,t('state.'+m.state)+'',m.session||'—',m.at?clock(m.at,live.dataset.tz):''].forEach(function(v,i){
          var td=doc.createElement('td');if(i===1){var b=doc.createElement('span');b.className='badge '+m.state;b.textContent=t('state.'+m.state);td.appendChild(b)}else td.textContent=v;if(i>1)td.className='hide-sm';tr.appendChild(td)});tb.appendChild(tr)})})
        .finally(function(){setTimeout(function(){refreshing=false},1000)})}
    // New campaign: drop zones upload at once; the preview asks the server, which checks the numbers,
    // renders the messages and prepares the picture with the pipeline's own code.
    var form=$('#new-campaign'), formFields=null;
    if(form){
      var ids={contacts:form.dataset.contacts||'',media:form.dataset.media||''}, timer=null, seq=0;
      function size(n){return n>=1048576?(n/1048576).toFixed(1)+' MB':Math.max(1,Math.round(n/1024))+' KB'}
      function val(n){var f=$('[name='+n+']',form);return f?f.value:''}
      function later(){var r=$('[name=send_mode]:checked',form);return !!r&&r.value==='later'}
      function fields(){var fd=new FormData();
        ['name','message','options','delay_min','delay_max','priority'].forEach(function(n){fd.append(n,val(n))});
        fd.append('send_mode',later()?'later':'now');if(later()){fd.append('send_date',val('send_date'));fd.append('send_time',val('send_time'))}
        $$('[name=sessions]:checked',form).forEach(function(c){fd.append('sessions',c.value)});
        var ap=$('[name=approval]',form);if(ap&&ap.checked)fd.append('approval','required');
        $$('[name=variant]',form).forEach(function(v){fd.append('variant',v.value)});
        if(ids.contacts)fd.append('contactsUpload',ids.contacts);else fd.append('numbers',new Blob([val('numbers')],{type:'text/plain'}),'numbers.txt');
        if(ids.media)fd.append('mediaUpload',ids.media);collectBlocks(fd);return fd}
      // Blocks marked data-collect (the segment builder, the A/B test) send every named field they hold.
      function collectBlocks(fd){$$('[data-collect] [name]',form).forEach(function(i){if((i.type==='checkbox'||i.type==='radio')&&!i.checked)return;fd.append(i.name,i.value)})}
      formFields=fields;
      // The server's refusals, each beside its field (the same validator as campaign.yaml).
      function showFieldErrors(map){map=map||{};
        $$('[data-error-for]',form).forEach(function(box){var k=box.dataset.errorFor,msg=map[k];box.textContent=msg||'';box.hidden=!msg;
          var fs=$('#field-'+k);if(fs)fs.classList.toggle('invalid',!!msg);
          var input=k==='options'?$('[name=options]',form):k==='name'?$('[name=name]',form):k==='priority'?$('[name=priority]',form):null;
          if(input){input.classList.toggle('invalid',!!msg);input.setAttribute('aria-invalid',msg?'true':'false')}});
        if(map.options){var adv=$('#advanced');if(adv)adv.open=true}}
      function firstError(){var box=$$('[data-error-for]',form).filter(function(b){return !b.hidden})[0];if(box){var fs=box.closest('fieldset,details')||box;fs.scrollIntoView({block:'center'});}}
      function showPreview(p){
        var b=$('#preview-bubble'),more=$('#preview-more'),facts=$('#preview-facts'),probs=$('#preview-problems'),refs=$('#preview-refusals');
        b.textContent='';more.textContent='';facts.textContent='';probs.textContent='';refs.textContent='';
        if(p.media){var i=el('img');i.src=p.media.url+'?s='+p.media.prepared.bytes;i.alt='';i.width=p.media.prepared.width;i.height=p.media.prepared.height;b.appendChild(i)}
        var first=p.messages[0];styled(b,first);
        $('#preview-to').textContent=first?('→ +'+first.phone+(p.sample?' · '+t('js.sample'):'')):'';
        p.messages.slice(1).forEach(function(m){more.appendChild(el('div','to small muted','→ +'+m.phone));var bb=el('div','bubble');styled(bb,m);more.appendChild(bb)});
        if(p.media){var o=p.media.original,r=p.media.prepared;
          facts.appendChild(el('div','fact',size(o.bytes)+' → '+size(r.bytes)+' · '+r.width+'×'+r.height+' '+r.format+(r.quality?' · q'+r.quality:'')))}
        if(p.mediaError)probs.appendChild(el('li','',p.mediaError));
        if(p.contacts){var c=p.contacts;
          facts.appendChild(el('div','fact',c.valid+' '+t('js.valid')+' · '+c.refused+' '+t('js.refused')+' · '+c.duplicates+' '+t('js.duplicates')+' · '+c.optedOut+' '+t('js.optedOut')));
          c.refusals.forEach(function(r){refs.appendChild(el('li','',t('js.line')+' '+r.line+': '+(r.input||'∅')+' — '+t('reason.'+r.reason)+(r.duplicateOf?' ('+t('js.line')+' '+r.duplicateOf+')':'')))})}
        if(p.contactsError)probs.appendChild(el('li','',p.contactsError));
        p.problems.forEach(function(x){probs.appendChild(el('li','',x))});
        p.warnings.forEach(function(x){refs.appendChild(el('li','warn',x))});
        probs.hidden=!probs.children.length;refs.hidden=!refs.children.length;
        showFieldErrors(p.fields);
        var sum=[];if(p.contacts)sum.push(p.contacts.valid+' '+t('js.valid'));if(p.media)sum.push('🖼 '+size(p.media.prepared.bytes));
        var n=p.problems.length+(p.mediaError?1:0)+(p.contactsError?1:0);if(n)sum.push('⚠ '+n);$('#preview-summary').textContent=sum.join(' · ');
        showSegment(p)}
      function runPreview(){var my=++seq,card=$('#preview-card');card.classList.add('busy');
        api('POST','/api/campaign/preview',fields(),true).then(function(p){if(my===seq)showPreview(p)})
          .catch(function(e){if(my!==seq)return;var probs=$('#preview-problems');probs.textContent='';probs.appendChild(el('li','',e.message));probs.hidden=false})
          .finally(function(){if(my===seq)card.classList.remove('busy')})}
      function schedulePreview(){clearTimeout(timer);timer=setTimeout(runPreview,400)}
      form.addEventListener('input',function(e){if(e.target.name)schedulePreview()});
      form.addEventListener('change',function(e){if(e.target.name==='send_mode')syncSchedule();if(e.target.type==='checkbox'||e.target.type==='radio'||e.target.type==='date'||e.target.type==='time')schedulePreview()});
      function syncSchedule(){var on=later();$$('#schedule input',form).forEach(function(i){i.disabled=!on})}
      syncSchedule();
      // A/B variants: the message box is variant A; each extra box is one more version.
      var vbox=$('#variants'),addV=$('#add-variant');
      function relabel(){var boxes=$$('.variant',vbox),ml=$('#message-label');ml.textContent=boxes.length?ml.dataset.first:ml.dataset.single;
        boxes.forEach(function(v,i){$('label',v).textContent=vbox.dataset.label+' '+String.fromCharCode(66+i)});addV.hidden=boxes.length>=4}
      function addVariant(text){var n=$$('.variant',vbox).length,id='variant-'+Date.now()+n;var v=el('div','variant'),row=el('div','row');
        var l=el('label');l.htmlFor=id;var rm=el('button','btn small-btn',vbox.dataset.remove);rm.type='button';
        rm.addEventListener('click',function(){v.remove();relabel();schedulePreview()});
        row.appendChild(l);row.appendChild(rm);var ta=el('textarea');ta.name='variant';ta.id=id;ta.value=text||'';
        v.appendChild(row);v.appendChild(ta);vbox.appendChild(v);relabel();ta.focus();return ta}
      if(addV)addV.addEventListener('click',function(){addVariant('');schedulePreview()});
      // Segment builder: a row per condition; the server writes them as segment: and counts who
      // of the list matches with the code of siaran contacts segment.
      var srows=$('#segment-rows'),stpl=$('#segment-row'),sadd=$('#add-segment-row');
      function syncRow(r){var k=$('[name=segment_kind]',r).value,v=$('[name=segment_value]',r);
        $('[name=segment_column]',r).hidden=['equals','not_equals','one_of','contains','at_least','at_most','between'].indexOf(k)<0;
        v.hidden=k==='never_delivered';$('[name=segment_value2]',r).hidden=$('.segment-and',r).hidden=k!=='between';
        var ph=k==='one_of'?'values':(k==='at_least'||k==='at_most'||k==='between')?'number':(k==='replied_within'||k==='read_within')?'days':k==='unread_in_last'?'campaigns':k==='tag'?'tag':'text';
        v.placeholder=v.dataset[ph];v.setAttribute('aria-label',v.dataset[ph]);v.inputMode=(ph==='number'||ph==='days'||ph==='campaigns')?'decimal':'text'}
      function renumberRows(){var rows=$$('.segment-row',srows);rows.forEach(function(r,i){$('[data-error-for]',r).dataset.errorFor='segment-'+i});$('.segment-join',form).hidden=rows.length<2}
      function addRow(){var r=stpl.content.firstElementChild.cloneNode(true);srows.appendChild(r);
        $('[name=segment_kind]',r).addEventListener('change',function(){syncRow(r);schedulePreview()});
        $('.segment-remove',r).addEventListener('click',function(){r.remove();renumberRows();schedulePreview()});
        syncRow(r);renumberRows();$('[name=segment_kind]',r).focus();return r}
      if(sadd)sadd.addEventListener('click',function(){addRow();schedulePreview()});
      function showSegment(p){var box=$('#segment-count');if(!box)return;
        if(p.contacts){var dl=$('#segment-columns');dl.textContent='';p.contacts.columns.forEach(function(c){var o=el('option');o.value=c;dl.appendChild(o)})}
        var s=p.segment,rows=$$('.segment-row',srows).length;
        box.textContent=s?s.matching+' '+box.dataset.of+' '+s.usable+' '+box.dataset.match+' · '+s.optedOut+' '+box.dataset.opted:(rows&&!p.contacts?box.dataset.none:'');
        box.hidden=!box.textContent;
        $$('.segment-row',srows).forEach(function(r){var bad=!$('[data-error-for]',r).hidden;r.classList.toggle('invalid',bad);
          $$('input,select',r).forEach(function(i){i.setAttribute('aria-invalid',bad?'true':'false')})})}
      // A/B test: its fields show when it is ticked.
      var abOn=$('[name=ab_enabled]',form),abBox=$('#ab-fields');
      function syncAB(){if(abBox)abBox.hidden=!(abOn&&abOn.checked)}
      if(abOn){abOn.addEventListener('change',syncAB);syncAB()}
      var pick=$('#template');
      if(pick)pick.addEventListener('change',function(){if(!pick.value)return;
        api('GET','/api/templates/'+encodeURIComponent(pick.value)).then(function(tp){$('[name=message]',form).value=tp.body;runPreview()}).catch(function(e){flash(e.message)})});
      $$('.drop',form).forEach(function(zone){
        var input=$('input',zone),kind=zone.dataset.kind,label=$('.drop-label',zone);
        function take(file){if(!file)return;var fd=new FormData();fd.append('file',file,file.name);label.textContent=file.name+' …';
          api('POST','/api/'+(kind==='media'?'media':'contacts')+'/upload',fd,true).then(function(j){ids[kind]=j.id;zone.classList.add('filled');
            label.textContent=file.name+' · '+size(j.bytes)+(j.entries!=null?' · '+j.entries+' ✓':' ✓');runPreview()})
            .catch(function(e){label.textContent=file.name+': '+e.message;zone.classList.remove('filled')})}
        zone.addEventListener('click',function(){input.click()});
        zone.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();input.click()}});
        input.addEventListener('click',function(e){e.stopPropagation()});
        input.addEventListener('change',function(){take(input.files[0])});
        ['dragenter','dragover'].forEach(function(n){zone.addEventListener(n,function(e){e.preventDefault();zone.classList.add('over')})});
        ['dragleave','drop'].forEach(function(n){zone.addEventListener(n,function(e){e.preventDefault();zone.classList.remove('over')})});
        zone.addEventListener('drop',function(e){take(e.dataTransfer.files[0])})});
      form.addEventListener('submit',function(e){e.preventDefault();
        var btn=$('[type=submit]',form);btn.disabled=true;
        api('POST','/api/campaign/create',fields(),true).then(function(j){showFieldErrors({});flash(form.dataset.done+' ('+j.drop+')',true);setTimeout(function(){location.href='/campaigns'},1500)})
          .catch(function(err){flash(err.message);if(err.fields){showFieldErrors(err.fields);firstError()}}).finally(function(){btn.disabled=false})});
      // The server drew the first preview; a page restored from history may hold other values.
      if($('[name=message]',form).value!==$('[name=message]',form).defaultValue||$('[name=numbers]',form).value)runPreview();
    }
    // Write with AI / Improve: the server asks the model, checks every text with the template checker
    // and renders it through the campaign preview (with the picture); the operator picks, edits or discards.
    var ai=$('#ai-tools');
    if(ai){
      var aiTarget=$(ai.dataset.target),aiBox=$('#ai-result'),aiBusy=false;
      function baseForm(){if(formFields)return formFields();var fd=new FormData();fd.append('message',aiTarget.value);
        fd.append('numbers',new Blob(['phone,name\n6281234567890,Budi\n'],{type:'text/csv'}),'contacts.csv');return fd}
      function keepFront(text){var m=/^---\n[\s\S]*?\n---\n/.exec(aiTarget.value.replace(/\r\n/g,'\n'));return m?m[0]+text:text}
      function use(text){aiTarget.value=text;aiTarget.dispatchEvent(new Event('input',{bubbles:true}));aiBox.hidden=true;aiBox.textContent='';aiTarget.focus()}
      function button(label,cls,fn){var b=el('button','btn small-btn'+(cls?' '+cls:''),label);b.type='button';b.addEventListener('click',fn);return b}
      function bubble(v,media){var pv=el('div','preview'),b=el('div','bubble');
        if(media){var i=el('img');i.src=media.url+'?s='+media.prepared.bytes;i.alt='';i.width=media.prepared.width;i.height=media.prepared.height;b.appendChild(i)}
        if(v.rendered)pv.appendChild(el('div','to small','→ +'+v.rendered.phone));
        if(v.rendered)styled(b,v.rendered);else b.appendChild(doc.createTextNode(v.text));pv.appendChild(b);return pv}
      function issues(v){var ul=el('ul','refusals small');(v.problems||[]).concat(v.warnings||[]).forEach(function(x){ul.appendChild(el('li','warn',x))});return ul.children.length?ul:null}
      function notes(list){if(!list||!list.length)return null;var d=el('div','ai-notes small');d.appendChild(el('b','',t('js.aiNotes')));
        var ul=el('ul','refusals small');list.forEach(function(n){ul.appendChild(el('li','',n))});d.appendChild(ul);return d}
      function header(r,useText,useLabel){var head=el('div','row');head.appendChild(el('span','muted small',t('js.aiBy')+' '+r.model));head.appendChild(el('span','spacer'));
        if(useText!=null)head.appendChild(button(useLabel,'primary',function(){use(useText)}));
        head.appendChild(button(t('js.aiDiscard'),'',function(){aiBox.hidden=true;aiBox.textContent=''}));return head}
      function start(){if(aiBusy)return false;aiBusy=true;aiBox.hidden=false;aiBox.textContent='';aiBox.appendChild(el('p','muted',t('js.aiWorking')));
        ai.classList.add('busy');$$('#ai-write,#ai-improve').forEach(function(b){b.disabled=true});return true}
      function done(){aiBusy=false;ai.classList.remove('busy');$$('#ai-write,#ai-improve').forEach(function(b){b.disabled=false})}
      function fail(e){aiBox.textContent='';aiBox.appendChild(el('p','alert',e.message))}
      $('#ai-write').addEventListener('click',function(){
        var p=$('#ai-prompt');if(!p.value.trim()){flash(t('js.aiNeedPrompt'));p.focus();return}
        if(!start())return;
        var fd=baseForm();fd.append('prompt',p.value);fd.append('variants',$('#ai-variants').value);fd.append('language',$('#ai-language').value);fd.append('tone',$('#ai-tone').value);
        api('POST','/api/ai/write',fd,true).then(function(r){aiBox.textContent='';
          aiBox.appendChild(header(r,r.variants.length>1?keepFront(r.message):null,t('js.aiUseAll')));
          r.variants.forEach(function(v,i){var card=el('article','ai-variant'),top=el('div','row');
            top.appendChild(el('b','',t('js.aiVariant')+' '+String.fromCharCode(65+i)));top.appendChild(el('span','spacer'));
            top.appendChild(button(t('js.aiUse'),'',function(){use(keepFront(v.text))}));card.appendChild(top);card.appendChild(bubble(v,r.media));
            var x=issues(v);if(x)card.appendChild(x);aiBox.appendChild(card)});
          var n=notes(r.notes);if(n)aiBox.appendChild(n)}).catch(fail).finally(done)});
      $('#ai-improve').addEventListener('click',function(){
        if(!aiTarget.value.trim()){aiTarget.focus();return}
        if(!start())return;
        var fd=baseForm();fd.append('goal',$('#ai-goal').value);fd.append('language',ai.dataset.uiLanguage);
        api('POST','/api/ai/improve',fd,true).then(function(r){aiBox.textContent='';
          aiBox.appendChild(header(r,r.text,t('js.aiUse')));
          var card=el('article','ai-variant');card.appendChild(bubble(r.preview,r.media));var x=issues(r.preview);if(x)card.appendChild(x);aiBox.appendChild(card);
          var changes=el('ul','ai-changes small');r.variants.forEach(function(v,i){var prefix=r.variants.length>1?t('js.aiVariant')+' '+String.fromCharCode(65+i)+': ':'';
            if(!v.improved)changes.appendChild(el('li','warn',prefix+t('js.aiUnchanged')));v.changes.forEach(function(c){changes.appendChild(el('li','',prefix+c))})});
          if(changes.children.length){aiBox.appendChild(el('h4','',t('js.aiChanges')));aiBox.appendChild(changes)}
          aiBox.appendChild(el('h4','',t('js.aiDiff')));var diff=el('div','diff');
          r.diff.forEach(function(l){diff.appendChild(el('div','d-'+l.kind,(l.kind==='added'?'+ ':l.kind==='removed'?'− ':'  ')+l.text))});aiBox.appendChild(diff);
          var n=notes(r.notes);if(n)aiBox.appendChild(n)}).catch(fail).finally(done)});
    }
    // Contacts: add an opt-out; check numbers (pasted or a file) line by line.
    var ao=$('#add-optout');
    if(ao){ao.addEventListener('submit',function(e){e.preventDefault();
      api('POST','/api/contacts/optouts',{phone:$('[name=phone]',ao).value,note:$('[name=note]',ao).value})
        .then(function(j){flash(j.message,true);setTimeout(function(){location.reload()},700)}).catch(function(err){flash(err.message)})})}
    $$('.file-pick input').forEach(function(input){input.addEventListener('change',function(){
      var f=input.files[0];$('.file-name',input.parentNode).textContent=f?f.name:t('js.noFile')})});
    var cn=$('#check-numbers');
    if(cn){cn.addEventListener('submit',function(e){e.preventDefault();
      var file=$('[name=file]',cn).files[0],body,isForm=false;
      if(file){body=new FormData();body.append('file',file,file.name);isForm=true}else body={numbers:$('[name=numbers]',cn).value};
      var btn=$('[type=submit]',cn);btn.disabled=true;
      api('POST','/api/contacts/check',body,isForm).then(function(r){
        var sum=$('#check-summary'),table=$('#check-result'),tb=$('tbody',table);sum.textContent='';tb.textContent='';
        sum.appendChild(el('div','fact',r.valid+' '+t('js.valid')+' · '+r.refused+' '+t('js.refused')+' · '+r.duplicates+' '+t('js.duplicates')+' · '+r.optedOut+' '+t('js.optedOut')));
        r.lines.forEach(function(l){var tr=doc.createElement('tr');tr.appendChild(el('td','num',String(l.line)));tr.appendChild(el('td','',l.input||'∅'));
          var ok=l.result==='valid',cls=ok?'result-valid':(l.result==='duplicate'||l.result==='opted-out'?'result-dup':'result-bad');
          tr.appendChild(el('td',cls,ok?'✓ +'+l.phone:t('reason.'+l.result)+(l.duplicateOf?' ('+t('js.line')+' '+l.duplicateOf+')':'')));tb.appendChild(tr)});
        table.hidden=!r.lines.length}).catch(function(err){flash(err.message)}).finally(function(){btn.disabled=false})})}
    // Templates: save through the parser; its error (with the line) is shown beside the editor.
    var te=$('#template-editor');
    if(te){var tt=null,tseq=0;
      // Live sample: the campaign preview renders the text for one sample contact named Budi.
      $('[name=body]',te).addEventListener('input',function(){clearTimeout(tt);tt=setTimeout(function(){var my=++tseq,fd=new FormData();
        fd.append('message',$('[name=body]',te).value);fd.append('numbers',new Blob(['phone,name\n6281234567890,Budi\n'],{type:'text/csv'}),'contacts.csv');
        api('POST','/api/campaign/preview',fd,true).then(function(p){if(my!==tseq)return;var b=$('#template-preview');
          var bad=p.problems[0];b.textContent='';if(bad)b.textContent=bad;else styled(b,p.messages[0]);b.classList.toggle('bad',!!bad)}).catch(function(){})},400)});te.addEventListener('submit',function(e){e.preventDefault();
      var name=$('[name=name]',te).value.trim(),box=$('#template-error');box.textContent='';box.className='alert';
      api('PUT','/api/templates/'+encodeURIComponent(name),{body:$('[name=body]',te).value}).then(function(){location.href='/templates#'+encodeURIComponent(name)})
        .catch(function(err){box.textContent=err.message;var ta=$('[name=body]',te),m=/:(\d+):(\d+):/.exec(err.message);
          if(m){var lines=ta.value.split('\n'),pos=0;for(var i=0;i<+m[1]-1&&i<lines.length;i++)pos+=lines[i].length+1;ta.focus();ta.setSelectionRange(pos,pos+(lines[+m[1]-1]||'').length)}})})}
    // Auto-reply rules (admin): checked by the server's own checker, problems by line.
    var ar=$('#autoreply-editor');
    if(ar){var ata=$('textarea',ar),abox=$('#autoreply-problems'),asum=$('#autoreply-summary');
      function selectLine(n){var lines=ata.value.split('\n'),pos=0;for(var i=0;i<n-1&&i<lines.length;i++)pos+=lines[i].length+1;ata.focus();ata.setSelectionRange(pos,pos+(lines[n-1]||'').length)}
      function showProblems(list){abox.textContent='';(list||[]).forEach(function(p){var li=el('li','warn',(p.line>0?t('js.line')+' '+p.line+', '+t('js.column')+' '+p.column+': ':'')+p.message);
        if(p.line>0){var b=el('button','btn small-btn',t('js.showLine'));b.type='button';b.addEventListener('click',function(){selectLine(p.line)});li.appendChild(doc.createTextNode(' '));li.appendChild(b)}abox.appendChild(li)});abox.hidden=!abox.children.length}
      function runRules(save){asum.textContent='';asum.className='alert';
        api(save?'PUT':'POST',save?'/api/autoreply':'/api/autoreply/check',{text:ata.value}).then(function(r){showProblems(r.problems);asum.textContent=(save?t('js.saved')+' ':'')+(r.summary||'');asum.className='alert ok'})
          .catch(function(err){showProblems(err.problems);asum.textContent=err.message;if(err.problems&&err.problems[0]&&err.problems[0].line>0)selectLine(err.problems[0].line)})}
      $('#autoreply-check').addEventListener('click',function(){runRules(false)});
      ar.addEventListener('submit',function(e){e.preventDefault();runRules(true)})}
    // Users (admin).
    var uf=$('#add-user');
    if(uf){uf.addEventListener('submit',function(e){e.preventDefault();
      api('POST','/api/users',{username:$('[name=username]',uf).value,password:$('[name=password]',uf).value,role:$('[name=role]',uf).value})
        .then(function(){location.reload()}).catch(function(err){flash(err.message)})})}
    $$('select[data-user]').forEach(function(s){s.addEventListener('change',function(){
      api('POST','/api/users/'+encodeURIComponent(s.dataset.user),{role:s.value}).then(function(){flash('OK',true)}).catch(function(err){flash(err.message)})})});
    })();
    """#
}
