var tt,k,Lt,_e,M,St,Nt,ct,_t,ut,lt,pe,V={},Pt=[],de=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,pt=Array.isArray;function H(e,t){for(var n in t)e[n]=t[n];return e}function Ut(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function et(e,t,n){var o,i,r,a={};for(r in t)r=="key"?o=t[r]:r=="ref"?i=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?tt.call(arguments,2):n),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return Q(e,a,o,i,null)}function Q(e,t,n,o,i){var r={type:e,props:t,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__d:void 0,__c:null,constructor:void 0,__v:i??++Lt,__i:-1,__u:0};return i==null&&k.vnode!=null&&k.vnode(r),r}function nt(e){return e.children}function B(e,t){this.props=e,this.context=t}function F(e,t){if(t==null)return e.__?F(e.__,e.__i+1):null;for(var n;t<e.__k.length;t++)if((n=e.__k[t])!=null&&n.__e!=null)return n.__e;return typeof e.type=="function"?F(e):null}function Dt(e){var t,n;if((e=e.__)!=null&&e.__c!=null){for(e.__e=e.__c.base=null,t=0;t<e.__k.length;t++)if((n=e.__k[t])!=null&&n.__e!=null){e.__e=e.__c.base=n.__e;break}return Dt(e)}}function xt(e){(!e.__d&&(e.__d=!0)&&M.push(e)&&!X.__r++||St!==k.debounceRendering)&&((St=k.debounceRendering)||Nt)(X)}function X(){var e,t,n,o,i,r,a,u;for(M.sort(ct);e=M.shift();)e.__d&&(t=M.length,o=void 0,r=(i=(n=e).__v).__e,a=[],u=[],n.__P&&((o=H({},i)).__v=i.__v+1,k.vnode&&k.vnode(o),dt(n.__P,o,i,n.__n,n.__P.namespaceURI,32&i.__u?[r]:null,a,r??F(i),!!(32&i.__u),u),o.__v=i.__v,o.__.__k[o.__i]=o,Ot(a,o,u),o.__e!=r&&Dt(o)),M.length>t&&M.sort(ct));X.__r=0}function It(e,t,n,o,i,r,a,u,_,c,d){var s,l,f,$,g,y=o&&o.__k||Pt,m=t.length;for(n.__d=_,fe(n,t,y),_=n.__d,s=0;s<m;s++)(f=n.__k[s])!=null&&(l=f.__i===-1?V:y[f.__i]||V,f.__i=s,dt(e,f,l,i,r,a,u,_,c,d),$=f.__e,f.ref&&l.ref!=f.ref&&(l.ref&&ft(l.ref,null,f),d.push(f.ref,f.__c||$,f)),g==null&&$!=null&&(g=$),65536&f.__u||l.__k===f.__k?_=Ht(f,_,e):typeof f.type=="function"&&f.__d!==void 0?_=f.__d:$&&(_=$.nextSibling),f.__d=void 0,f.__u&=-196609);n.__d=_,n.__e=g}function fe(e,t,n){var o,i,r,a,u,_=t.length,c=n.length,d=c,s=0;for(e.__k=[],o=0;o<_;o++)(i=t[o])!=null&&typeof i!="boolean"&&typeof i!="function"?(a=o+s,(i=e.__k[o]=typeof i=="string"||typeof i=="number"||typeof i=="bigint"||i.constructor==String?Q(null,i,null,null,null):pt(i)?Q(nt,{children:i},null,null,null):i.constructor===void 0&&i.__b>0?Q(i.type,i.props,i.key,i.ref?i.ref:null,i.__v):i).__=e,i.__b=e.__b+1,r=null,(u=i.__i=me(i,n,a,d))!==-1&&(d--,(r=n[u])&&(r.__u|=131072)),r==null||r.__v===null?(u==-1&&s--,typeof i.type!="function"&&(i.__u|=65536)):u!==a&&(u==a-1?s--:u==a+1?s++:(u>a?s--:s++,i.__u|=65536))):i=e.__k[o]=null;if(d)for(o=0;o<c;o++)(r=n[o])!=null&&!(131072&r.__u)&&(r.__e==e.__d&&(e.__d=F(r)),Rt(r,r))}function Ht(e,t,n){var o,i;if(typeof e.type=="function"){for(o=e.__k,i=0;o&&i<o.length;i++)o[i]&&(o[i].__=e,t=Ht(o[i],t,n));return t}e.__e!=t&&(t&&e.type&&!n.contains(t)&&(t=F(e)),n.insertBefore(e.__e,t||null),t=e.__e);do t=t&&t.nextSibling;while(t!=null&&t.nodeType===8);return t}function me(e,t,n,o){var i=e.key,r=e.type,a=n-1,u=n+1,_=t[n];if(_===null||_&&i==_.key&&r===_.type&&!(131072&_.__u))return n;if(o>(_!=null&&!(131072&_.__u)?1:0))for(;a>=0||u<t.length;){if(a>=0){if((_=t[a])&&!(131072&_.__u)&&i==_.key&&r===_.type)return a;a--}if(u<t.length){if((_=t[u])&&!(131072&_.__u)&&i==_.key&&r===_.type)return u;u++}}return-1}function Et(e,t,n){t[0]==="-"?e.setProperty(t,n??""):e[t]=n==null?"":typeof n!="number"||de.test(t)?n:n+"px"}function Z(e,t,n,o,i){var r;t:if(t==="style")if(typeof n=="string")e.style.cssText=n;else{if(typeof o=="string"&&(e.style.cssText=o=""),o)for(t in o)n&&t in n||Et(e.style,t,"");if(n)for(t in n)o&&n[t]===o[t]||Et(e.style,t,n[t])}else if(t[0]==="o"&&t[1]==="n")r=t!==(t=t.replace(/(PointerCapture)$|Capture$/i,"$1")),t=t.toLowerCase()in e||t==="onFocusOut"||t==="onFocusIn"?t.toLowerCase().slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=n,n?o?n.u=o.u:(n.u=_t,e.addEventListener(t,r?lt:ut,r)):e.removeEventListener(t,r?lt:ut,r);else{if(i=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=n??"";break t}catch{}typeof n=="function"||(n==null||n===!1&&t[4]!=="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&n==1?"":n))}}function Tt(e){return function(t){if(this.l){var n=this.l[t.type+e];if(t.t==null)t.t=_t++;else if(t.t<n.u)return;return n(k.event?k.event(t):t)}}}function dt(e,t,n,o,i,r,a,u,_,c){var d,s,l,f,$,g,y,m,h,E,T,O,R,U,I,at,D=t.type;if(t.constructor!==void 0)return null;128&n.__u&&(_=!!(32&n.__u),r=[u=t.__e=n.__e]),(d=k.__b)&&d(t);t:if(typeof D=="function")try{if(m=t.props,h="prototype"in D&&D.prototype.render,E=(d=D.contextType)&&o[d.__c],T=d?E?E.props.value:d.__:o,n.__c?y=(s=t.__c=n.__c).__=s.__E:(h?t.__c=s=new D(m,T):(t.__c=s=new B(m,T),s.constructor=D,s.render=$e),E&&E.sub(s),s.props=m,s.state||(s.state={}),s.context=T,s.__n=o,l=s.__d=!0,s.__h=[],s._sb=[]),h&&s.__s==null&&(s.__s=s.state),h&&D.getDerivedStateFromProps!=null&&(s.__s==s.state&&(s.__s=H({},s.__s)),H(s.__s,D.getDerivedStateFromProps(m,s.__s))),f=s.props,$=s.state,s.__v=t,l)h&&D.getDerivedStateFromProps==null&&s.componentWillMount!=null&&s.componentWillMount(),h&&s.componentDidMount!=null&&s.__h.push(s.componentDidMount);else{if(h&&D.getDerivedStateFromProps==null&&m!==f&&s.componentWillReceiveProps!=null&&s.componentWillReceiveProps(m,T),!s.__e&&(s.shouldComponentUpdate!=null&&s.shouldComponentUpdate(m,s.__s,T)===!1||t.__v===n.__v)){for(t.__v!==n.__v&&(s.props=m,s.state=s.__s,s.__d=!1),t.__e=n.__e,t.__k=n.__k,t.__k.some(function(Y){Y&&(Y.__=t)}),O=0;O<s._sb.length;O++)s.__h.push(s._sb[O]);s._sb=[],s.__h.length&&a.push(s);break t}s.componentWillUpdate!=null&&s.componentWillUpdate(m,s.__s,T),h&&s.componentDidUpdate!=null&&s.__h.push(function(){s.componentDidUpdate(f,$,g)})}if(s.context=T,s.props=m,s.__P=e,s.__e=!1,R=k.__r,U=0,h){for(s.state=s.__s,s.__d=!1,R&&R(t),d=s.render(s.props,s.state,s.context),I=0;I<s._sb.length;I++)s.__h.push(s._sb[I]);s._sb=[]}else do s.__d=!1,R&&R(t),d=s.render(s.props,s.state,s.context),s.state=s.__s;while(s.__d&&++U<25);s.state=s.__s,s.getChildContext!=null&&(o=H(H({},o),s.getChildContext())),h&&!l&&s.getSnapshotBeforeUpdate!=null&&(g=s.getSnapshotBeforeUpdate(f,$)),It(e,pt(at=d!=null&&d.type===nt&&d.key==null?d.props.children:d)?at:[at],t,n,o,i,r,a,u,_,c),s.base=t.__e,t.__u&=-161,s.__h.length&&a.push(s),y&&(s.__E=s.__=null)}catch(Y){if(t.__v=null,_||r!=null){for(t.__u|=_?160:128;u&&u.nodeType===8&&u.nextSibling;)u=u.nextSibling;r[r.indexOf(u)]=null,t.__e=u}else t.__e=n.__e,t.__k=n.__k;k.__e(Y,t,n)}else r==null&&t.__v===n.__v?(t.__k=n.__k,t.__e=n.__e):t.__e=he(n.__e,t,n,o,i,r,a,_,c);(d=k.diffed)&&d(t)}function Ot(e,t,n){t.__d=void 0;for(var o=0;o<n.length;o++)ft(n[o],n[++o],n[++o]);k.__c&&k.__c(t,e),e.some(function(i){try{e=i.__h,i.__h=[],e.some(function(r){r.call(i)})}catch(r){k.__e(r,i.__v)}})}function he(e,t,n,o,i,r,a,u,_){var c,d,s,l,f,$,g,y=n.props,m=t.props,h=t.type;if(h==="svg"?i="http://www.w3.org/2000/svg":h==="math"?i="http://www.w3.org/1998/Math/MathML":i||(i="http://www.w3.org/1999/xhtml"),r!=null){for(c=0;c<r.length;c++)if((f=r[c])&&"setAttribute"in f==!!h&&(h?f.localName===h:f.nodeType===3)){e=f,r[c]=null;break}}if(e==null){if(h===null)return document.createTextNode(m);e=document.createElementNS(i,h,m.is&&m),u&&(k.__m&&k.__m(t,r),u=!1),r=null}if(h===null)y===m||u&&e.data===m||(e.data=m);else{if(r=r&&tt.call(e.childNodes),y=n.props||V,!u&&r!=null)for(y={},c=0;c<e.attributes.length;c++)y[(f=e.attributes[c]).name]=f.value;for(c in y)if(f=y[c],c!="children"){if(c=="dangerouslySetInnerHTML")s=f;else if(!(c in m)){if(c=="value"&&"defaultValue"in m||c=="checked"&&"defaultChecked"in m)continue;Z(e,c,null,f,i)}}for(c in m)f=m[c],c=="children"?l=f:c=="dangerouslySetInnerHTML"?d=f:c=="value"?$=f:c=="checked"?g=f:u&&typeof f!="function"||y[c]===f||Z(e,c,f,y[c],i);if(d)u||s&&(d.__html===s.__html||d.__html===e.innerHTML)||(e.innerHTML=d.__html),t.__k=[];else if(s&&(e.innerHTML=""),It(e,pt(l)?l:[l],t,n,o,h==="foreignObject"?"http://www.w3.org/1999/xhtml":i,r,a,r?r[0]:n.__k&&F(n,0),u,_),r!=null)for(c=r.length;c--;)Ut(r[c]);u||(c="value",h==="progress"&&$==null?e.removeAttribute("value"):$!==void 0&&($!==e[c]||h==="progress"&&!$||h==="option"&&$!==y[c])&&Z(e,c,$,y[c],i),c="checked",g!==void 0&&g!==e[c]&&Z(e,c,g,y[c],i))}return e}function ft(e,t,n){try{if(typeof e=="function"){var o=typeof e.__u=="function";o&&e.__u(),o&&t==null||(e.__u=e(t))}else e.current=t}catch(i){k.__e(i,n)}}function Rt(e,t,n){var o,i;if(k.unmount&&k.unmount(e),(o=e.ref)&&(o.current&&o.current!==e.__e||ft(o,null,t)),(o=e.__c)!=null){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(r){k.__e(r,t)}o.base=o.__P=null}if(o=e.__k)for(i=0;i<o.length;i++)o[i]&&Rt(o[i],t,n||typeof e.type!="function");n||Ut(e.__e),e.__c=e.__=e.__e=e.__d=void 0}function $e(e,t,n){return this.constructor(e,n)}function mt(e,t,n){var o,i,r,a;k.__&&k.__(e,t),i=(o=typeof n=="function")?null:n&&n.__k||t.__k,r=[],a=[],dt(t,e=(!o&&n||t).__k=et(nt,null,[e]),i||V,V,t.namespaceURI,!o&&n?[n]:i?null:t.firstChild?tt.call(t.childNodes):null,r,!o&&n?n:i?i.__e:t.firstChild,o,a),Ot(r,e,a)}tt=Pt.slice,k={__e:function(e,t,n,o){for(var i,r,a;t=t.__;)if((i=t.__c)&&!i.__)try{if((r=i.constructor)&&r.getDerivedStateFromError!=null&&(i.setState(r.getDerivedStateFromError(e)),a=i.__d),i.componentDidCatch!=null&&(i.componentDidCatch(e,o||{}),a=i.__d),a)return i.__E=i}catch(u){e=u}throw e}},Lt=0,_e=function(e){return e!=null&&e.constructor==null},B.prototype.setState=function(e,t){var n;n=this.__s!=null&&this.__s!==this.state?this.__s:this.__s=H({},this.state),typeof e=="function"&&(e=e(H({},n),this.props)),e&&H(n,e),e!=null&&this.__v&&(t&&this._sb.push(t),xt(this))},B.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),xt(this))},B.prototype.render=nt,M=[],Nt=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,ct=function(e,t){return e.__v.__b-t.__v.__b},X.__r=0,_t=0,ut=Tt(!1),lt=Tt(!0),pe=0;var Ft=function(e,t,n,o){var i;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],u=t[r]?(t[0]|=a?1:2,n[t[r++]]):t[++r];a===3?o[0]=u:a===4?o[1]=Object.assign(o[1]||{},u):a===5?(o[1]=o[1]||{})[t[++r]]=u:a===6?o[1][t[++r]]+=u+"":a?(i=e.apply(u,Ft(e,u,n,["",null])),o.push(i),u[0]?t[0]|=2:(t[r-2]=0,t[r]=i)):o.push(u)}return o},Mt=new Map;function At(e){var t=Mt.get(this);return t||(t=new Map,Mt.set(this,t)),(t=Ft(this,t.get(e)||(t.set(e,t=function(n){for(var o,i,r=1,a="",u="",_=[0],c=function(l){r===1&&(l||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?_.push(0,l,a):r===3&&(l||a)?(_.push(3,l,a),r=2):r===2&&a==="..."&&l?_.push(4,l,0):r===2&&a&&!l?_.push(5,0,!0,a):r>=5&&((a||!l&&r===5)&&(_.push(r,0,a,i),r=6),l&&(_.push(r,l,0,i),r=6)),a=""},d=0;d<n.length;d++){d&&(r===1&&c(),c(d));for(var s=0;s<n[d].length;s++)o=n[d][s],r===1?o==="<"?(c(),_=[_],r=3):a+=o:r===4?a==="--"&&o===">"?(r=1,a=""):a=o+a[0]:u?o===u?u="":a+=o:o==='"'||o==="'"?u=o:o===">"?(c(),r=1):r&&(o==="="?(r=5,i=a,a=""):o==="/"&&(r<5||n[d][s+1]===">")?(c(),r===3&&(_=_[0]),r=_,(_=_[0]).push(2,0,r),r=0):o===" "||o==="	"||o===`
`||o==="\r"?(c(),r=2):a+=o),r===3&&a==="!--"&&(r=4,_=_[0])}return c(),_}(e)),t),arguments,[])).length>1?t:t[0]}var p=At.bind(et);var z,b,ht,jt,$t=0,Jt=[],w=k,qt=w.__b,Wt=w.__r,Bt=w.diffed,Vt=w.__c,zt=w.unmount,Gt=w.__;function vt(e,t){w.__h&&w.__h(b,e,$t||t),$t=0;var n=b.__H||(b.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function v(e){return $t=1,ge(Zt,e)}function ge(e,t,n){var o=vt(z++,2);if(o.t=e,!o.__c&&(o.__=[n?n(t):Zt(void 0,t),function(u){var _=o.__N?o.__N[0]:o.__[0],c=o.t(_,u);_!==c&&(o.__N=[c,o.__[1]],o.__c.setState({}))}],o.__c=b,!b.u)){var i=function(u,_,c){if(!o.__c.__H)return!0;var d=o.__c.__H.__.filter(function(l){return!!l.__c});if(d.every(function(l){return!l.__N}))return!r||r.call(this,u,_,c);var s=!1;return d.forEach(function(l){if(l.__N){var f=l.__[0];l.__=l.__N,l.__N=void 0,f!==l.__[0]&&(s=!0)}}),!(!s&&o.__c.props===u)&&(!r||r.call(this,u,_,c))};b.u=!0;var r=b.shouldComponentUpdate,a=b.componentWillUpdate;b.componentWillUpdate=function(u,_,c){if(this.__e){var d=r;r=void 0,i(u,_,c),r=d}a&&a.call(this,u,_,c)},b.shouldComponentUpdate=i}return o.__N||o.__}function L(e,t){var n=vt(z++,3);!w.__s&&Yt(n.__H,t)&&(n.__=e,n.i=t,b.__H.__h.push(n))}function G(e,t){var n=vt(z++,7);return Yt(n.__H,t)&&(n.__=e(),n.__H=t,n.__h=e),n.__}function ve(){for(var e;e=Jt.shift();)if(e.__P&&e.__H)try{e.__H.__h.forEach(ot),e.__H.__h.forEach(gt),e.__H.__h=[]}catch(t){e.__H.__h=[],w.__e(t,e.__v)}}w.__b=function(e){b=null,qt&&qt(e)},w.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Gt&&Gt(e,t)},w.__r=function(e){Wt&&Wt(e),z=0;var t=(b=e.__c).__H;t&&(ht===b?(t.__h=[],b.__h=[],t.__.forEach(function(n){n.__N&&(n.__=n.__N),n.i=n.__N=void 0})):(t.__h.forEach(ot),t.__h.forEach(gt),t.__h=[],z=0)),ht=b},w.diffed=function(e){Bt&&Bt(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(Jt.push(t)!==1&&jt===w.requestAnimationFrame||((jt=w.requestAnimationFrame)||ye)(ve)),t.__H.__.forEach(function(n){n.i&&(n.__H=n.i),n.i=void 0})),ht=b=null},w.__c=function(e,t){t.some(function(n){try{n.__h.forEach(ot),n.__h=n.__h.filter(function(o){return!o.__||gt(o)})}catch(o){t.some(function(i){i.__h&&(i.__h=[])}),t=[],w.__e(o,n.__v)}}),Vt&&Vt(e,t)},w.unmount=function(e){zt&&zt(e);var t,n=e.__c;n&&n.__H&&(n.__H.__.forEach(function(o){try{ot(o)}catch(i){t=i}}),n.__H=void 0,t&&w.__e(t,n.__v))};var Kt=typeof requestAnimationFrame=="function";function ye(e){var t,n=function(){clearTimeout(o),Kt&&cancelAnimationFrame(t),setTimeout(e)},o=setTimeout(n,100);Kt&&(t=requestAnimationFrame(n))}function ot(e){var t=b,n=e.__c;typeof n=="function"&&(e.__c=void 0,n()),b=t}function gt(e){var t=b;e.__c=e.__(),b=t}function Yt(e,t){return!e||e.length!==t.length||t.some(function(n,o){return n!==e[o]})}function Zt(e,t){return typeof t=="function"?t(e):t}var kt="",bt=class extends Error{constructor(t,n){super(n),this.status=t}};function K(e){kt=e||""}async function C(e,t,n){let o={Accept:"application/json"};n!==void 0&&(o["Content-Type"]="application/json"),e!=="GET"&&e!=="HEAD"&&kt&&(o["X-CSRF-Token"]=kt);let i=await fetch(t,{method:e,headers:o,credentials:"same-origin",cache:"no-store",body:n===void 0?void 0:JSON.stringify(n)});if(i.status===204)return null;let r=null,a=await i.text();if(a)try{r=JSON.parse(a)}catch{r=null}if(!i.ok){let u=r&&r.message||`${i.status} ${i.statusText}`;throw i.status===401&&window.dispatchEvent(new CustomEvent("statehouse-signed-out")),new bt(i.status,u)}return r}var S=e=>C("GET",e),yt=e=>encodeURIComponent(e);function A(e,t,n){return`/api/stacks/${yt(e)}/${yt(t)}/${yt(n)}`}function Qt(e){let t=e.split("/").filter(Boolean).map(decodeURIComponent);return t.length===0?{page:"stacks"}:t[0]==="signin"?{page:"signin"}:t[0]==="cli-login"&&t.length===1?{page:"cli-login"}:t[0]==="welcome"&&t[1]==="cli"?{page:"welcome-cli"}:t[0]==="user"&&t[1]==="settings"&&t[2]==="tokens"?{page:"tokens"}:t.length===1?{page:"stacks",org:t[0]}:t.length===3?{page:"stack",org:t[0],project:t[1],stack:t[2]}:t.length===5&&t[3]==="updates"?{page:"update",org:t[0],project:t[1],stack:t[2],version:t[4]}:{page:"notfound"}}function rt(e){e!==window.location.pathname+window.location.search&&(window.history.pushState(null,"",e),window.dispatchEvent(new PopStateEvent("popstate")))}function Xt(){let[e,t]=v(window.location.pathname+window.location.search);return L(()=>{let n=()=>t(window.location.pathname+window.location.search);return window.addEventListener("popstate",n),()=>window.removeEventListener("popstate",n)},[]),e}function P({href:e,children:t,...n}){return p`<a href=${e} onClick=${i=>{i.defaultPrevented||i.button!==0||i.metaKey||i.ctrlKey||i.shiftKey||i.altKey||(i.preventDefault(),rt(e))}} ...${n}>${t}</a>`}var J=e=>encodeURIComponent(e),j=(e,t,n)=>`/${J(e)}/${J(t)}/${J(n)}`;function W(e){if(!e)return"never";let t=Math.max(0,Date.now()/1e3-e);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}function st(e){return e?new Date(e*1e3).toISOString().replace("T"," ").replace(/\.\d+Z$/," UTC"):""}function te(e,t){if(!e)return"";let n=Math.max(0,(t||Date.now()/1e3)-e);return n<60?`${Math.round(n)} s`:`${Math.floor(n/60)} min ${Math.round(n%60)} s`}var ke="4dabf18193072939515e22adb298388d";function ee(e){return e!==null&&typeof e=="object"&&e[ke]==="1b47061264138c4ac30d75fd1eb44270"}function q(e){if(ee(e))return"[secret]";if(Array.isArray(e))return e.map(q);if(e!==null&&typeof e=="object"){let t={};for(let n of Object.keys(e))t[n]=q(e[n]);return t}return e}function ne({value:e}){return ee(e)?p`<span class="secret" title="secret">[secret]</span>`:typeof e=="string"?p`<span>${e}</span>`:p`<code>${JSON.stringify(q(e))}</code>`}function N(){return p`<p class="muted" role="status">Loading…</p>`}function x({error:e}){return p`<p class="error" role="alert">${String(e&&e.message?e.message:e)}</p>`}function oe({onSignedIn:e}){let[t,n]=v(""),[o,i]=v(null),[r,a]=v(!1);return p`
    <main class="signin">
      <h1>Sign in to Statehouse</h1>
      <form onSubmit=${async _=>{_.preventDefault(),a(!0),i(null);try{let c=await C("POST","/api/console/session",{accessToken:t.trim()});n(""),e(c)}catch(c){i(c.status===401?"That access token is not valid.":c)}finally{a(!1)}}}>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required
          placeholder="pul-…" value=${t} onInput=${_=>n(_.target.value)} />
        <button type="submit" id="sign-in" disabled=${r}>Sign in</button>
      </form>
      ${o&&p`<${x} error=${o} />`}
      <p class="muted">Use a personal access token (<code>pulumi login</code> prints where to get one).</p>
    </main>
  `}function re({org:e}){let[t,n]=v(null),[o,i]=v({}),[r,a]=v(null),[u,_]=v("");L(()=>{let d=!1;return(async()=>{let s=[],l="";do{let g=new URLSearchParams({maxResults:"500"});e&&g.set("organization",e),l&&g.set("continuationToken",l);let y=await S(`/api/user/stacks?${g}`);s.push(...y.stacks||[]),l=y.continuationToken||""}while(l&&!d);if(d)return;n(s);let f=s.slice(0,200),$=async()=>{for(;f.length&&!d;){let g=f.shift();try{let y=await S(A(g.orgName,g.projectName,g.stackName));d||i(m=>({...m,[it(g)]:y.tags||{}}))}catch{}}};await Promise.all([$(),$(),$(),$()])})().catch(s=>!d&&a(s)),()=>{d=!0}},[e]);let c=G(()=>{if(!t)return[];let d=u.trim().toLowerCase(),s=new Map;for(let l of t){let f=o[it(l)]||{},$=[l.orgName,l.projectName,l.stackName,...Object.entries(f).flat()].join(" ").toLowerCase();if(d&&!$.includes(d))continue;let g=`${l.orgName}/${l.projectName}`;s.has(g)||s.set(g,[]),s.get(g).push(l)}return[...s.entries()].sort((l,f)=>l[0].localeCompare(f[0]))},[t,o,u]);return r?p`<${x} error=${r} />`:t?p`
    <h1>Stacks${e?p` in ${e}`:""}</h1>
    <input type="search" id="stack-filter" aria-label="Filter stacks" placeholder="Filter by name or tag"
      value=${u} onInput=${d=>_(d.target.value)} />
    ${t.length===0&&p`<p class="muted">No stacks yet. Create one with <code>pulumi stack init</code>.</p>`}
    ${c.map(([d,s])=>p`
        <section class="project" key=${d}>
          <h2>${d}</h2>
          <table class="stacks">
            <thead><tr><th>Stack</th><th>Last update</th><th>Resources</th><th>Tags</th></tr></thead>
            <tbody>
              ${s.map(l=>p`<tr key=${it(l)} class="stack-row">
                  <td><${P} href=${j(l.orgName,l.projectName,l.stackName)}>${l.stackName}<//></td>
                  <td>${W(l.lastUpdate)}</td>
                  <td>${l.resourceCount??""}</td>
                  <td class="tags">${Object.entries(o[it(l)]||{}).map(([f,$])=>p`<span class="tag" key=${f}>${f}: ${$}</span>`)}</td>
                </tr>`)}
            </tbody>
          </table>
        </section>
      `)}
  `:p`<${N} />`}var it=e=>`${e.orgName}/${e.projectName}/${e.stackName}`;var wt=200;function se({org:e,project:t,stack:n}){let[o,i]=v(null),[r,a]=v(null),[u,_]=v(null),[c,d]=v(null),[s,l]=v("overview"),f=A(e,t,n);if(L(()=>{S(f).then(i,d),S(`${f}/export`).then(a,()=>a({deployment:{}})),S(`${f}/updates?output-type=service&page=1&pageSize=50`).then(h=>_(h.updates||[]),()=>_([]))},[f]),c)return p`<${x} error=${c} />`;if(!o)return p`<${N} />`;let $=r&&r.deployment&&r.deployment.resources||[],g=$.find(h=>h.type==="pulumi:pulumi:Stack"),y=g&&g.outputs||{},m=[["overview","Overview"],["resources",`Resources (${$.length})`],["history","History"]];return p`
    <nav class="crumbs" aria-label="breadcrumb">
      <${P} href=${`/${J(e)}`}>${e}<//> / ${t} / <strong>${n}</strong>
    </nav>
    <h1>${t}/${n}</h1>
    ${o.currentOperation&&p`<p class="running">${o.currentOperation.kind} in progress, started by ${o.currentOperation.author}</p>`}
    <div role="tablist" class="tabs">
      ${m.map(([h,E])=>p`<button type="button" role="tab" id=${`tab-${h}`} aria-selected=${s===h}
          onClick=${()=>l(h)}>${E}</button>`)}
    </div>
    ${s==="overview"&&p`
      <section>
        <h2>Outputs</h2>
        ${Object.keys(y).length===0?p`<p class="muted">No outputs.</p>`:p`<table class="outputs" id="outputs">
              <tbody>
                ${Object.keys(y).sort().map(h=>p`<tr key=${h}><th scope="row">${h}</th><td><${ne} value=${y[h]} /></td></tr>`)}
              </tbody>
            </table>`}
        <h2>Tags</h2>
        <${we} base=${f} tags=${o.tags||{}} onChange=${h=>i({...o,tags:h})} />
      </section>
    `}
    ${s==="resources"&&(r?p`<${Ce} resources=${$} />`:p`<${N} />`)}
    ${s==="history"&&(u?p`<${xe} updates=${u} org=${e} project=${t} stack=${n} />`:p`<${N} />`)}
  `}var be=new Set(["pulumi:project","pulumi:runtime","pulumi:description","pulumi:template","vcs:owner","vcs:repo","vcs:kind","vcs:root"]);function we({base:e,tags:t,onChange:n}){let[o,i]=v(""),[r,a]=v(""),[u,_]=v(null),c=async s=>{s.preventDefault(),_(null);try{await C("POST",`${e}/tags`,{name:o.trim(),value:r}),n({...t,[o.trim()]:r}),i(""),a("")}catch(l){_(l)}},d=async s=>{_(null);try{await C("DELETE",`${e}/tags/${encodeURIComponent(s)}`);let l={...t};delete l[s],n(l)}catch(l){_(l)}};return p`
    <ul class="tags" id="stack-tags">
      ${Object.keys(t).sort().map(s=>p`<li class="tag" key=${s}>${s}: ${t[s]}${!be.has(s)&&p` <button type="button" class="linkish" aria-label=${`Remove tag ${s}`} onClick=${()=>d(s)}>×</button>`}</li>`)}
    </ul>
    <form class="inline" onSubmit=${c}>
      <input id="tag-name" aria-label="Tag name" placeholder="name" required maxlength="40"
        value=${o} onInput=${s=>i(s.target.value)} />
      <input id="tag-value" aria-label="Tag value" placeholder="value" maxlength="256" value=${r}
        onInput=${s=>a(s.target.value)} />
      <button type="submit" id="tag-add">Add tag</button>
    </form>
    ${u&&p`<${x} error=${u} />`}
  `}function Ce({resources:e}){let[t,n]=v(""),[o,i]=v(wt),[r,a]=v(null),u=G(()=>{let c=new Map(e.map(l=>[l.urn,l])),d=new Map,s=(l,f=0)=>{if(d.has(l.urn))return d.get(l.urn);let $=l.parent&&c.get(l.parent),g=$&&f<64?s($,f+1)+1:0;return d.set(l.urn,g),g};return l=>s(l)},[e]),_=G(()=>{let c=t.trim().toLowerCase();return c?e.filter(d=>`${d.urn} ${d.type} ${d.id||""}`.toLowerCase().includes(c)):e},[e,t]);return p`
    <section class="resources">
      <input type="search" id="resource-filter" aria-label="Search resources" placeholder="Search by name, type or id"
        value=${t} onInput=${c=>{n(c.target.value),i(wt)}} />
      <p class="muted">${_.length} of ${e.length} resources</p>
      <ul class="tree">
        ${_.slice(0,o).map(c=>p`<li key=${c.urn} style=${t?"":`padding-left:${u(c)*1.2}em`}>
            <button type="button" class="linkish" onClick=${()=>a(c)}>${ie(c.urn)}</button>
            <span class="muted"> ${c.type}</span>
          </li>`)}
      </ul>
      ${_.length>o&&p`<button type="button" onClick=${()=>i(o+wt)}>Show more</button>`}
      ${r&&p`<${Se} r=${r} onClose=${()=>a(null)} />`}
    </section>
  `}function Se({r:e,onClose:t}){return p`
    <aside class="detail" aria-label="resource detail">
      <button type="button" class="close" onClick=${t} aria-label="Close">×</button>
      <h3>${ie(e.urn)}</h3>
      <dl>
        <dt>URN</dt><dd><code>${e.urn}</code></dd>
        <dt>Type</dt><dd>${e.type}</dd>
        ${e.id&&p`<dt>ID</dt><dd><code>${e.id}</code></dd>`}
        ${e.provider&&p`<dt>Provider</dt><dd><code>${e.provider}</code></dd>`}
        ${e.parent&&p`<dt>Parent</dt><dd><code>${e.parent}</code></dd>`}
        ${(e.dependencies||[]).length>0&&p`<dt>Dependencies</dt><dd>${e.dependencies.map(n=>p`<div key=${n}><code>${n}</code></div>`)}</dd>`}
      </dl>
      <h4>Inputs</h4><pre>${JSON.stringify(q(e.inputs||{}),null,2)}</pre>
      <h4>Outputs</h4><pre>${JSON.stringify(q(e.outputs||{}),null,2)}</pre>
    </aside>
  `}function xe({updates:e,org:t,project:n,stack:o}){return e.length===0?p`<p class="muted">No updates yet.</p>`:p`
    <table class="history">
      <thead><tr><th>Version</th><th>Kind</th><th>Result</th><th>Started</th><th>Message</th><th>By</th></tr></thead>
      <tbody>
        ${e.map(i=>p`<tr key=${i.version}>
            <td><${P} href=${`${j(t,n,o)}/updates/${i.version}`}>#${i.version}<//></td>
            <td>${i.info.kind}</td>
            <td class=${`result-${i.info.result}`}>${i.info.result}</td>
            <td title=${st(i.info.startTime)}>${W(i.info.startTime)}</td>
            <td>${i.info.message}</td>
            <td>${i.requestedBy&&i.requestedBy.githubLogin}</td>
          </tr>`)}
      </tbody>
    </table>
  `}function ie(e){let t=e.lastIndexOf("::");return t>=0?e.slice(t+2):e}function ce({org:e,project:t,stack:n,version:o}){let[i,r]=v(null),[a,u]=v([]),[_,c]=v(!1),[d,s]=v(null),[l,f]=v("all"),$=A(e,t,n);if(L(()=>{let m=!1,h=0;return(async()=>{let E=await S(`${$}/updates/${encodeURIComponent(o)}`);if(m)return;r(E);let T="",O=async()=>{let R=T?`?continuationToken=${encodeURIComponent(T)}`:"",U=await S(`${$}/update/${encodeURIComponent(E.updateID)}/events${R}`);m||(U.events&&U.events.length&&u(I=>I.concat(U.events)),U.continuationToken?(T=U.continuationToken,h=setTimeout(()=>O().catch(s),U.events&&U.events.length?0:2e3)):(c(!0),S(`${$}/updates/${encodeURIComponent(o)}`).then(I=>!m&&r(I))))};await O()})().catch(E=>!m&&s(E)),()=>{m=!0,clearTimeout(h)}},[$,o]),d)return p`<${x} error=${d} />`;if(!i)return p`<${N} />`;let g=i.info,y=a.map(Ee).filter(m=>m&&(l==="all"||m.severity===l));return p`
    <nav class="crumbs" aria-label="breadcrumb">
      <${P} href=${j(e,t,n)}>${e}/${t}/${n}<//> / update #${o}
    </nav>
    <h1>Update #${o}</h1>
    <dl class="summary">
      <dt>Kind</dt><dd>${g.kind}</dd>
      <dt>Result</dt><dd class=${`result-${g.result}`} id="update-result">${g.result}</dd>
      <dt>Started</dt><dd>${st(g.startTime)}</dd>
      <dt>Duration</dt><dd>${te(g.startTime,g.endTime)}</dd>
      <dt>Message</dt><dd>${g.message}</dd>
      <dt>Changes</dt><dd>${Object.entries(g.resourceChanges||{}).map(([m,h])=>`${m}: ${h}`).join(", ")}</dd>
    </dl>
    <h2>Log ${_?"":p`<span class="muted">(live)</span>`}</h2>
    <label>Show <select value=${l} onChange=${m=>f(m.target.value)}>
      <option value="all">everything</option><option value="error">errors</option><option value="warning">warnings</option>
    </select></label>
    <pre class="log" id="event-log">${y.map((m,h)=>p`<div key=${h} class=${`sev-${m.severity}`}>${m.text}</div>`)}</pre>
  `}function Ee(e){if(e.diagnosticEvent){let t=e.diagnosticEvent;return{severity:t.severity||"info",text:`${t.urn?t.urn+": ":""}${ae(t.message||"")}`}}if(e.stdoutEvent)return{severity:"info",text:ae(e.stdoutEvent.message||"")};if(e.resourcePreEvent){let t=e.resourcePreEvent.metadata||{};return{severity:"info",text:`${t.op||""} ${t.urn||""}`}}if(e.resOutputsEvent){let t=e.resOutputsEvent.metadata||{};return{severity:"info",text:`${t.op||""} ${t.urn||""} done`}}if(e.resOpFailedEvent){let t=e.resOpFailedEvent.metadata||{};return{severity:"error",text:`${t.op||""} ${t.urn||""} failed`}}if(e.summaryEvent){let t=e.summaryEvent.resourceChanges||{};return{severity:"info",text:`summary: ${Object.entries(t).map(([n,o])=>`${n} ${o}`).join(", ")}`}}return e.cancelEvent?{severity:"warning",text:"cancelled"}:null}function ae(e){return e.replace(/<\{%[^%]*%\}>/g,"").replace(/\u001b\[[0-9;]*m/g,"")}function ue(){let[e,t]=v(null),[n,o]=v(null),[i,r]=v(""),[a,u]=v(null),_=()=>S("/api/user/tokens").then(s=>t(s.tokens||[]),o);L(()=>{_()},[]);let c=async s=>{s.preventDefault(),o(null);try{let l=await C("POST","/api/user/tokens",{description:i,expires:0});u(l.tokenValue),r(""),_()}catch(l){o(l)}},d=async s=>{if(window.confirm(`Delete the token "${s.description||s.name}"?`))try{await C("DELETE",`/api/user/tokens/${encodeURIComponent(s.id)}`),_()}catch(l){o(l)}};return p`
    <h1>Access tokens</h1>
    <form onSubmit=${c} class="inline">
      <label for="token-description">Description</label>
      <input id="token-description" required maxlength="255" value=${i}
        onInput=${s=>r(s.target.value)} />
      <button type="submit" id="create-token">Create token</button>
    </form>
    ${a&&p`<div class="notice" role="status">
      <p>Copy the new token now; it is not shown again:</p>
      <input readonly id="new-token" value=${a} onFocus=${s=>s.target.select()} />
      <button type="button" onClick=${()=>u(null)}>Done</button>
    </div>`}
    ${n&&p`<${x} error=${n} />`}
    ${e?p`<table class="tokens">
          <thead><tr><th>Description</th><th>Created</th><th>Last used</th><th></th></tr></thead>
          <tbody>
            ${e.map(s=>p`<tr key=${s.id}>
                <td>${s.description||s.name}</td>
                <td>${s.created}</td>
                <td>${W(s.lastUsed)}</td>
                <td><button type="button" class="danger" onClick=${()=>d(s)}>Delete</button></td>
              </tr>`)}
          </tbody>
        </table>`:p`<${N} />`}
  `}function Te(e){let t=new URLSearchParams(e),n=t.get("cliSessionPort")||"",o=t.get("cliSessionNonce")||"";if(!/^[0-9]{1,5}$/.test(n)||+n<1||+n>65535||!/^[A-Za-z0-9_-]{1,256}$/.test(o))return null;let i=(t.get("cliSessionDescription")||"Generated by pulumi login").slice(0,255),r=t.get("cliCommand")||"pulumi";return{port:+n,nonce:o,description:i,command:r}}function le({user:e}){let t=Te(window.location.search),[n,o]=v(null),[i,r]=v(!1);if(!t)return p`<h1>CLI login</h1><p class="error" role="alert">This link is incomplete: run <code>pulumi login</code> again.</p>`;let a=async()=>{r(!0),o(null);try{let u=await C("POST","/api/user/tokens",{description:t.description,expires:0}),_=new URLSearchParams({accessToken:u.tokenValue,nonce:t.nonce});window.location.assign(`http://127.0.0.1:${t.port}/?${_}`)}catch(u){o(u),r(!1)}};return p`
    <h1>Log in the ${t.command} CLI</h1>
    <p>The ${t.command} CLI on this computer asks for an access token to act as <strong>${e.login}</strong>.</p>
    <p>The new token will be described as: <em id="cli-description">${t.description}</em></p>
    <p>
      <button type="button" id="cli-authorize" onClick=${a} disabled=${i}>Authorize</button>
      ${" "}<button type="button" onClick=${()=>window.location.assign("/")}>Cancel</button>
    </p>
    ${n&&p`<${x} error=${n} />`}
  `}function Ct(){return p`
    <h1 id="welcome-cli">You are logged in</h1>
    <p>The CLI has its access token. You can close this window and return to your terminal.</p>
  `}function Le(){let e=Xt(),[t,n]=v(void 0);if(L(()=>{C("GET","/api/console/session").then(u=>{K(u.csrfToken),n(u)}).catch(()=>n(null));let a=()=>{K(""),n(null)};return window.addEventListener("statehouse-signed-out",a),()=>window.removeEventListener("statehouse-signed-out",a)},[]),t===void 0)return p`<${N} />`;let o=Qt(window.location.pathname);if(t===null&&o.page==="welcome-cli")return p`<main><${Ct} /></main>`;if(t===null)return p`<${oe}
      onSignedIn=${a=>{K(a.csrfToken),n(a),o.page==="signin"&&rt("/")}}
    />`;let i=async()=>{try{await C("DELETE","/api/console/session")}finally{K(""),n(null),rt("/")}},r;switch(o.page){case"stacks":case"signin":r=p`<${re} org=${o.org} key=${e} />`;break;case"stack":r=p`<${se} ...${o} key=${e} />`;break;case"update":r=p`<${ce} ...${o} key=${e} />`;break;case"tokens":r=p`<${ue} />`;break;case"cli-login":r=p`<${le} user=${t.user} />`;break;case"welcome-cli":r=p`<${Ct} />`;break;default:r=p`<h1>Not found</h1><p>No page at this address.</p>`}return p`
    <header class="top">
      <${P} href="/" class="brand">Statehouse<//>
      <nav aria-label="main">
        <${P} href="/">Stacks<//>
        <${P} href="/user/settings/tokens">Access tokens<//>
      </nav>
      <span class="who">${t.user.login}</span>
      <button type="button" id="sign-out" onClick=${i}>Sign out</button>
    </header>
    <main id="main">${r}</main>
  `}mt(p`<${Le} />`,document.getElementById("app"));
