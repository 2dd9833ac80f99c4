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
        return r.text().then(function(x){var j={};try{j=JSON.parse(x)}catch(e){}if(!r.ok){throw new Error(j.message||(r.status+' '+r.statusText))}return j})})}
    function flash(msg,ok){var a=$('#flash');if(!a)return;a.textContent=msg;a.className='alert'+(ok?' ok':'')}
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
        if(code){if(s.pairingCode){code.hidden=false;setText('.paircode',s.pairingCode,code)}else code.hidden=true}});
    }
    var refreshing=false;
    function refreshMessages(){var tb=$('#messages');if(!tb||refreshing)return;refreshing=true;
      fetch('/api/campaigns/'+encodeURIComponent(live.dataset.campaign)+'/messages?limit=10',{credentials:'same-origin'}).then(function(r){return r.json()}).then(function(list){
        if(!Array.isArray(list))return;tb.textContent='';
        list.forEach(function(m){var tr=doc.createElement('tr');[m.phone,t('state.'+m.state)+'',m.session||'—',m.at?new Date(m.at).toLocaleTimeString():''].forEach(function(v,i){
          var td=doc.createElement('td');if(i===1){var b=doc.createElement('span');b.className='badge '+m.state;b.textContent=t('state.'+m.state);td.appendChild(b)}else td.textContent=v;if(i>1)td.className='hide-sm';tr.appendChild(td)});tb.appendChild(tr)})})
        .finally(function(){setTimeout(function(){refreshing=false},1000)})}
    // New campaign: drop zones upload at once; the preview renders the message as WhatsApp would show it.
    var form=$('#new-campaign');
    if(form){
      var ids={contacts:'',media:''}, imgURL='';
      function render(text){return text.replace(/\{([^{}]*)\}/g,function(_,inner){var parts=inner.split('|');return parts.length>1?parts[parts.length>2?0:1]:'{'+inner+'}'})}
      function variant(text){return text.replace(/\{([^{}|]*\|[^{}]*)\}/g,function(_,inner){var p=inner.split('|');return /^[a-z_][a-z0-9_]*$/i.test(p[0])?p[1]:p[0]})}
      function updatePreview(){var b=$('#preview-bubble'),m=$('[name=message]',form).value;b.textContent='';
        if(imgURL){var i=doc.createElement('img');i.src=imgURL;i.alt='';b.appendChild(i)}
        b.appendChild(doc.createTextNode(variant(m)||'…'))}
      $('[name=message]',form).addEventListener('input',updatePreview);
      $$('.drop',form).forEach(function(zone){
        var input=$('input',zone),kind=zone.dataset.kind,label=$('.drop-label',zone);
        function take(file){if(!file)return;var fd=new FormData();fd.append('file',file,file.name);label.textContent=file.name+' …';
          api('POST','/api/'+(kind==='media'?'media':'contacts')+'/upload',fd,true).then(function(j){ids[kind]=j.id;zone.classList.add('filled');
            label.textContent=file.name+(j.entries!=null?' — '+j.entries+' ✓':' ✓');
            if(kind==='media'){imgURL=URL.createObjectURL(file);updatePreview()}}).catch(function(e){label.textContent=file.name+': '+e.message;zone.classList.remove('filled')})}
        zone.addEventListener('click',function(){input.click()});
        zone.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();input.click()}});
        input.addEventListener('change',function(){take(input.files[0])});
        ['dragenter','dragover'].forEach(function(n){zone.addEventListener(n,function(e){e.preventDefault();zone.classList.add('over')})});
        ['dragleave','drop'].forEach(function(n){zone.addEventListener(n,function(e){e.preventDefault();zone.classList.remove('over')})});
        zone.addEventListener('drop',function(e){take(e.dataTransfer.files[0])})});
      form.addEventListener('submit',function(e){e.preventDefault();var fd=new FormData();
        fd.append('name',$('[name=name]',form).value);fd.append('message',$('[name=message]',form).value);fd.append('options',$('[name=options]',form).value);
        if(ids.contacts)fd.append('contactsUpload',ids.contacts);else fd.append('numbers',new Blob([$('[name=numbers]',form).value],{type:'text/plain'}),'numbers.txt');
        if(ids.media)fd.append('mediaUpload',ids.media);
        var btn=$('[type=submit]',form);btn.disabled=true;
        api('POST','/api/campaign/create',fd,true).then(function(j){flash(form.dataset.done+' ('+j.drop+')',true);setTimeout(function(){location.href='/campaigns'},1500)})
          .catch(function(err){flash(err.message)}).finally(function(){btn.disabled=false})});
      updatePreview();
    }
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
