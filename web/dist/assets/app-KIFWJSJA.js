var tt,k,Tt,ce,R,Ct,Nt,ut,lt,ct,_t,_e,V={},Lt=[],le=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,pt=Array.isArray;function O(t,e){for(var n in e)t[n]=e[n];return t}function Pt(t){t&&t.parentNode&&t.parentNode.removeChild(t)}function et(t,e,n){var o,r,s,a={};for(s in e)s=="key"?o=e[s]:s=="ref"?r=e[s]:a[s]=e[s];if(arguments.length>2&&(a.children=arguments.length>3?tt.call(arguments,2):n),typeof t=="function"&&t.defaultProps!=null)for(s in t.defaultProps)a[s]===void 0&&(a[s]=t.defaultProps[s]);return Z(t,a,o,r,null)}function Z(t,e,n,o,r){var s={type:t,props:e,key:n,ref:o,__k:null,__:null,__b:0,__e:null,__d:void 0,__c:null,constructor:void 0,__v:r??++Tt,__i:-1,__u:0};return r==null&&k.vnode!=null&&k.vnode(s),s}function nt(t){return t.children}function B(t,e){this.props=t,this.context=e}function F(t,e){if(e==null)return t.__?F(t.__,t.__i+1):null;for(var n;e<t.__k.length;e++)if((n=t.__k[e])!=null&&n.__e!=null)return n.__e;return typeof t.type=="function"?F(t):null}function Dt(t){var e,n;if((t=t.__)!=null&&t.__c!=null){for(t.__e=t.__c.base=null,e=0;e<t.__k.length;e++)if((n=t.__k[e])!=null&&n.__e!=null){t.__e=t.__c.base=n.__e;break}return Dt(t)}}function xt(t){(!t.__d&&(t.__d=!0)&&R.push(t)&&!Y.__r++||Ct!==k.debounceRendering)&&((Ct=k.debounceRendering)||Nt)(Y)}function Y(){var t,e,n,o,r,s,a,c;for(R.sort(ut);t=R.shift();)t.__d&&(e=R.length,o=void 0,s=(r=(n=t).__v).__e,a=[],c=[],n.__P&&((o=O({},r)).__v=r.__v+1,k.vnode&&k.vnode(o),dt(n.__P,o,r,n.__n,n.__P.namespaceURI,32&r.__u?[s]:null,a,s??F(r),!!(32&r.__u),c),o.__v=r.__v,o.__.__k[o.__i]=o,Ot(a,o,c),o.__e!=s&&Dt(o)),R.length>e&&R.sort(ut));Y.__r=0}function Ut(t,e,n,o,r,s,a,c,l,u,p){var i,_,f,$,g,y=o&&o.__k||Lt,h=e.length;for(n.__d=l,pe(n,e,y),l=n.__d,i=0;i<h;i++)(f=n.__k[i])!=null&&(_=f.__i===-1?V:y[f.__i]||V,f.__i=i,dt(t,f,_,r,s,a,c,l,u,p),$=f.__e,f.ref&&_.ref!=f.ref&&(_.ref&&ft(_.ref,null,f),p.push(f.ref,f.__c||$,f)),g==null&&$!=null&&(g=$),65536&f.__u||_.__k===f.__k?l=Ht(f,l,t):typeof f.type=="function"&&f.__d!==void 0?l=f.__d:$&&(l=$.nextSibling),f.__d=void 0,f.__u&=-196609);n.__d=l,n.__e=g}function pe(t,e,n){var o,r,s,a,c,l=e.length,u=n.length,p=u,i=0;for(t.__k=[],o=0;o<l;o++)(r=e[o])!=null&&typeof r!="boolean"&&typeof r!="function"?(a=o+i,(r=t.__k[o]=typeof r=="string"||typeof r=="number"||typeof r=="bigint"||r.constructor==String?Z(null,r,null,null,null):pt(r)?Z(nt,{children:r},null,null,null):r.constructor===void 0&&r.__b>0?Z(r.type,r.props,r.key,r.ref?r.ref:null,r.__v):r).__=t,r.__b=t.__b+1,s=null,(c=r.__i=de(r,n,a,p))!==-1&&(p--,(s=n[c])&&(s.__u|=131072)),s==null||s.__v===null?(c==-1&&i--,typeof r.type!="function"&&(r.__u|=65536)):c!==a&&(c==a-1?i--:c==a+1?i++:(c>a?i--:i++,r.__u|=65536))):r=t.__k[o]=null;if(p)for(o=0;o<u;o++)(s=n[o])!=null&&!(131072&s.__u)&&(s.__e==t.__d&&(t.__d=F(s)),It(s,s))}function Ht(t,e,n){var o,r;if(typeof t.type=="function"){for(o=t.__k,r=0;o&&r<o.length;r++)o[r]&&(o[r].__=t,e=Ht(o[r],e,n));return e}t.__e!=e&&(e&&t.type&&!n.contains(e)&&(e=F(t)),n.insertBefore(t.__e,e||null),e=t.__e);do e=e&&e.nextSibling;while(e!=null&&e.nodeType===8);return e}function de(t,e,n,o){var r=t.key,s=t.type,a=n-1,c=n+1,l=e[n];if(l===null||l&&r==l.key&&s===l.type&&!(131072&l.__u))return n;if(o>(l!=null&&!(131072&l.__u)?1:0))for(;a>=0||c<e.length;){if(a>=0){if((l=e[a])&&!(131072&l.__u)&&r==l.key&&s===l.type)return a;a--}if(c<e.length){if((l=e[c])&&!(131072&l.__u)&&r==l.key&&s===l.type)return c;c++}}return-1}function St(t,e,n){e[0]==="-"?t.setProperty(e,n??""):t[e]=n==null?"":typeof n!="number"||le.test(e)?n:n+"px"}function X(t,e,n,o,r){var s;t:if(e==="style")if(typeof n=="string")t.style.cssText=n;else{if(typeof o=="string"&&(t.style.cssText=o=""),o)for(e in o)n&&e in n||St(t.style,e,"");if(n)for(e in n)o&&n[e]===o[e]||St(t.style,e,n[e])}else if(e[0]==="o"&&e[1]==="n")s=e!==(e=e.replace(/(PointerCapture)$|Capture$/i,"$1")),e=e.toLowerCase()in t||e==="onFocusOut"||e==="onFocusIn"?e.toLowerCase().slice(2):e.slice(2),t.l||(t.l={}),t.l[e+s]=n,n?o?n.u=o.u:(n.u=lt,t.addEventListener(e,s?_t:ct,s)):t.removeEventListener(e,s?_t:ct,s);else{if(r=="http://www.w3.org/2000/svg")e=e.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(e!="width"&&e!="height"&&e!="href"&&e!="list"&&e!="form"&&e!="tabIndex"&&e!="download"&&e!="rowSpan"&&e!="colSpan"&&e!="role"&&e!="popover"&&e in t)try{t[e]=n??"";break t}catch{}typeof n=="function"||(n==null||n===!1&&e[4]!=="-"?t.removeAttribute(e):t.setAttribute(e,e=="popover"&&n==1?"":n))}}function Et(t){return function(e){if(this.l){var n=this.l[e.type+t];if(e.t==null)e.t=lt++;else if(e.t<n.u)return;return n(k.event?k.event(e):e)}}}function dt(t,e,n,o,r,s,a,c,l,u){var p,i,_,f,$,g,y,h,m,C,S,I,M,L,H,at,P=e.type;if(e.constructor!==void 0)return null;128&n.__u&&(l=!!(32&n.__u),s=[c=e.__e=n.__e]),(p=k.__b)&&p(e);t:if(typeof P=="function")try{if(h=e.props,m="prototype"in P&&P.prototype.render,C=(p=P.contextType)&&o[p.__c],S=p?C?C.props.value:p.__:o,n.__c?y=(i=e.__c=n.__c).__=i.__E:(m?e.__c=i=new P(h,S):(e.__c=i=new B(h,S),i.constructor=P,i.render=he),C&&C.sub(i),i.props=h,i.state||(i.state={}),i.context=S,i.__n=o,_=i.__d=!0,i.__h=[],i._sb=[]),m&&i.__s==null&&(i.__s=i.state),m&&P.getDerivedStateFromProps!=null&&(i.__s==i.state&&(i.__s=O({},i.__s)),O(i.__s,P.getDerivedStateFromProps(h,i.__s))),f=i.props,$=i.state,i.__v=e,_)m&&P.getDerivedStateFromProps==null&&i.componentWillMount!=null&&i.componentWillMount(),m&&i.componentDidMount!=null&&i.__h.push(i.componentDidMount);else{if(m&&P.getDerivedStateFromProps==null&&h!==f&&i.componentWillReceiveProps!=null&&i.componentWillReceiveProps(h,S),!i.__e&&(i.shouldComponentUpdate!=null&&i.shouldComponentUpdate(h,i.__s,S)===!1||e.__v===n.__v)){for(e.__v!==n.__v&&(i.props=h,i.state=i.__s,i.__d=!1),e.__e=n.__e,e.__k=n.__k,e.__k.some(function(Q){Q&&(Q.__=e)}),I=0;I<i._sb.length;I++)i.__h.push(i._sb[I]);i._sb=[],i.__h.length&&a.push(i);break t}i.componentWillUpdate!=null&&i.componentWillUpdate(h,i.__s,S),m&&i.componentDidUpdate!=null&&i.__h.push(function(){i.componentDidUpdate(f,$,g)})}if(i.context=S,i.props=h,i.__P=t,i.__e=!1,M=k.__r,L=0,m){for(i.state=i.__s,i.__d=!1,M&&M(e),p=i.render(i.props,i.state,i.context),H=0;H<i._sb.length;H++)i.__h.push(i._sb[H]);i._sb=[]}else do i.__d=!1,M&&M(e),p=i.render(i.props,i.state,i.context),i.state=i.__s;while(i.__d&&++L<25);i.state=i.__s,i.getChildContext!=null&&(o=O(O({},o),i.getChildContext())),m&&!_&&i.getSnapshotBeforeUpdate!=null&&(g=i.getSnapshotBeforeUpdate(f,$)),Ut(t,pt(at=p!=null&&p.type===nt&&p.key==null?p.props.children:p)?at:[at],e,n,o,r,s,a,c,l,u),i.base=e.__e,e.__u&=-161,i.__h.length&&a.push(i),y&&(i.__E=i.__=null)}catch(Q){if(e.__v=null,l||s!=null){for(e.__u|=l?160:128;c&&c.nodeType===8&&c.nextSibling;)c=c.nextSibling;s[s.indexOf(c)]=null,e.__e=c}else e.__e=n.__e,e.__k=n.__k;k.__e(Q,e,n)}else s==null&&e.__v===n.__v?(e.__k=n.__k,e.__e=n.__e):e.__e=fe(n.__e,e,n,o,r,s,a,l,u);(p=k.diffed)&&p(e)}function Ot(t,e,n){e.__d=void 0;for(var o=0;o<n.length;o++)ft(n[o],n[++o],n[++o]);k.__c&&k.__c(e,t),t.some(function(r){try{t=r.__h,r.__h=[],t.some(function(s){s.call(r)})}catch(s){k.__e(s,r.__v)}})}function fe(t,e,n,o,r,s,a,c,l){var u,p,i,_,f,$,g,y=n.props,h=e.props,m=e.type;if(m==="svg"?r="http://www.w3.org/2000/svg":m==="math"?r="http://www.w3.org/1998/Math/MathML":r||(r="http://www.w3.org/1999/xhtml"),s!=null){for(u=0;u<s.length;u++)if((f=s[u])&&"setAttribute"in f==!!m&&(m?f.localName===m:f.nodeType===3)){t=f,s[u]=null;break}}if(t==null){if(m===null)return document.createTextNode(h);t=document.createElementNS(r,m,h.is&&h),c&&(k.__m&&k.__m(e,s),c=!1),s=null}if(m===null)y===h||c&&t.data===h||(t.data=h);else{if(s=s&&tt.call(t.childNodes),y=n.props||V,!c&&s!=null)for(y={},u=0;u<t.attributes.length;u++)y[(f=t.attributes[u]).name]=f.value;for(u in y)if(f=y[u],u!="children"){if(u=="dangerouslySetInnerHTML")i=f;else if(!(u in h)){if(u=="value"&&"defaultValue"in h||u=="checked"&&"defaultChecked"in h)continue;X(t,u,null,f,r)}}for(u in h)f=h[u],u=="children"?_=f:u=="dangerouslySetInnerHTML"?p=f:u=="value"?$=f:u=="checked"?g=f:c&&typeof f!="function"||y[u]===f||X(t,u,f,y[u],r);if(p)c||i&&(p.__html===i.__html||p.__html===t.innerHTML)||(t.innerHTML=p.__html),e.__k=[];else if(i&&(t.innerHTML=""),Ut(t,pt(_)?_:[_],e,n,o,m==="foreignObject"?"http://www.w3.org/1999/xhtml":r,s,a,s?s[0]:n.__k&&F(n,0),c,l),s!=null)for(u=s.length;u--;)Pt(s[u]);c||(u="value",m==="progress"&&$==null?t.removeAttribute("value"):$!==void 0&&($!==t[u]||m==="progress"&&!$||m==="option"&&$!==y[u])&&X(t,u,$,y[u],r),u="checked",g!==void 0&&g!==t[u]&&X(t,u,g,y[u],r))}return t}function ft(t,e,n){try{if(typeof t=="function"){var o=typeof t.__u=="function";o&&t.__u(),o&&e==null||(t.__u=t(e))}else t.current=e}catch(r){k.__e(r,n)}}function It(t,e,n){var o,r;if(k.unmount&&k.unmount(t),(o=t.ref)&&(o.current&&o.current!==t.__e||ft(o,null,e)),(o=t.__c)!=null){if(o.componentWillUnmount)try{o.componentWillUnmount()}catch(s){k.__e(s,e)}o.base=o.__P=null}if(o=t.__k)for(r=0;r<o.length;r++)o[r]&&It(o[r],e,n||typeof t.type!="function");n||Pt(t.__e),t.__c=t.__=t.__e=t.__d=void 0}function he(t,e,n){return this.constructor(t,n)}function ht(t,e,n){var o,r,s,a;k.__&&k.__(t,e),r=(o=typeof n=="function")?null:n&&n.__k||e.__k,s=[],a=[],dt(e,t=(!o&&n||e).__k=et(nt,null,[t]),r||V,V,e.namespaceURI,!o&&n?[n]:r?null:e.firstChild?tt.call(e.childNodes):null,s,!o&&n?n:r?r.__e:e.firstChild,o,a),Ot(s,t,a)}tt=Lt.slice,k={__e:function(t,e,n,o){for(var r,s,a;e=e.__;)if((r=e.__c)&&!r.__)try{if((s=r.constructor)&&s.getDerivedStateFromError!=null&&(r.setState(s.getDerivedStateFromError(t)),a=r.__d),r.componentDidCatch!=null&&(r.componentDidCatch(t,o||{}),a=r.__d),a)return r.__E=r}catch(c){t=c}throw t}},Tt=0,ce=function(t){return t!=null&&t.constructor==null},B.prototype.setState=function(t,e){var n;n=this.__s!=null&&this.__s!==this.state?this.__s:this.__s=O({},this.state),typeof t=="function"&&(t=t(O({},n),this.props)),t&&O(n,t),t!=null&&this.__v&&(e&&this._sb.push(e),xt(this))},B.prototype.forceUpdate=function(t){this.__v&&(this.__e=!0,t&&this.__h.push(t),xt(this))},B.prototype.render=nt,R=[],Nt=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,ut=function(t,e){return t.__v.__b-e.__v.__b},Y.__r=0,lt=0,ct=Et(!1),_t=Et(!0),_e=0;var Rt=function(t,e,n,o){var r;e[0]=0;for(var s=1;s<e.length;s++){var a=e[s++],c=e[s]?(e[0]|=a?1:2,n[e[s++]]):e[++s];a===3?o[0]=c:a===4?o[1]=Object.assign(o[1]||{},c):a===5?(o[1]=o[1]||{})[e[++s]]=c:a===6?o[1][e[++s]]+=c+"":a?(r=t.apply(c,Rt(t,c,n,["",null])),o.push(r),c[0]?e[0]|=2:(e[s-2]=0,e[s]=r)):o.push(c)}return o},Mt=new Map;function Ft(t){var e=Mt.get(this);return e||(e=new Map,Mt.set(this,e)),(e=Rt(this,e.get(t)||(e.set(t,e=function(n){for(var o,r,s=1,a="",c="",l=[0],u=function(_){s===1&&(_||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?l.push(0,_,a):s===3&&(_||a)?(l.push(3,_,a),s=2):s===2&&a==="..."&&_?l.push(4,_,0):s===2&&a&&!_?l.push(5,0,!0,a):s>=5&&((a||!_&&s===5)&&(l.push(s,0,a,r),s=6),_&&(l.push(s,_,0,r),s=6)),a=""},p=0;p<n.length;p++){p&&(s===1&&u(),u(p));for(var i=0;i<n[p].length;i++)o=n[p][i],s===1?o==="<"?(u(),l=[l],s=3):a+=o:s===4?a==="--"&&o===">"?(s=1,a=""):a=o+a[0]:c?o===c?c="":a+=o:o==='"'||o==="'"?c=o:o===">"?(u(),s=1):s&&(o==="="?(s=5,r=a,a=""):o==="/"&&(s<5||n[p][i+1]===">")?(u(),s===3&&(l=l[0]),s=l,(l=l[0]).push(2,0,s),s=0):o===" "||o==="	"||o===`
`||o==="\r"?(u(),s=2):a+=o),s===3&&a==="!--"&&(s=4,l=l[0])}return u(),l}(t)),e),arguments,[])).length>1?e:e[0]}var d=Ft.bind(et);var G,b,mt,At,$t=0,zt=[],w=k,jt=w.__b,qt=w.__r,Wt=w.diffed,Bt=w.__c,Vt=w.unmount,Gt=w.__;function vt(t,e){w.__h&&w.__h(b,t,$t||e),$t=0;var n=b.__H||(b.__H={__:[],__h:[]});return t>=n.__.length&&n.__.push({}),n.__[t]}function v(t){return $t=1,me(Qt,t)}function me(t,e,n){var o=vt(G++,2);if(o.t=t,!o.__c&&(o.__=[n?n(e):Qt(void 0,e),function(c){var l=o.__N?o.__N[0]:o.__[0],u=o.t(l,c);l!==u&&(o.__N=[u,o.__[1]],o.__c.setState({}))}],o.__c=b,!b.u)){var r=function(c,l,u){if(!o.__c.__H)return!0;var p=o.__c.__H.__.filter(function(_){return!!_.__c});if(p.every(function(_){return!_.__N}))return!s||s.call(this,c,l,u);var i=!1;return p.forEach(function(_){if(_.__N){var f=_.__[0];_.__=_.__N,_.__N=void 0,f!==_.__[0]&&(i=!0)}}),!(!i&&o.__c.props===c)&&(!s||s.call(this,c,l,u))};b.u=!0;var s=b.shouldComponentUpdate,a=b.componentWillUpdate;b.componentWillUpdate=function(c,l,u){if(this.__e){var p=s;s=void 0,r(c,l,u),s=p}a&&a.call(this,c,l,u)},b.shouldComponentUpdate=r}return o.__N||o.__}function E(t,e){var n=vt(G++,3);!w.__s&&Jt(n.__H,e)&&(n.__=t,n.i=e,b.__H.__h.push(n))}function K(t,e){var n=vt(G++,7);return Jt(n.__H,e)&&(n.__=t(),n.__H=e,n.__h=t),n.__}function $e(){for(var t;t=zt.shift();)if(t.__P&&t.__H)try{t.__H.__h.forEach(ot),t.__H.__h.forEach(gt),t.__H.__h=[]}catch(e){t.__H.__h=[],w.__e(e,t.__v)}}w.__b=function(t){b=null,jt&&jt(t)},w.__=function(t,e){t&&e.__k&&e.__k.__m&&(t.__m=e.__k.__m),Gt&&Gt(t,e)},w.__r=function(t){qt&&qt(t),G=0;var e=(b=t.__c).__H;e&&(mt===b?(e.__h=[],b.__h=[],e.__.forEach(function(n){n.__N&&(n.__=n.__N),n.i=n.__N=void 0})):(e.__h.forEach(ot),e.__h.forEach(gt),e.__h=[],G=0)),mt=b},w.diffed=function(t){Wt&&Wt(t);var e=t.__c;e&&e.__H&&(e.__H.__h.length&&(zt.push(e)!==1&&At===w.requestAnimationFrame||((At=w.requestAnimationFrame)||ge)($e)),e.__H.__.forEach(function(n){n.i&&(n.__H=n.i),n.i=void 0})),mt=b=null},w.__c=function(t,e){e.some(function(n){try{n.__h.forEach(ot),n.__h=n.__h.filter(function(o){return!o.__||gt(o)})}catch(o){e.some(function(r){r.__h&&(r.__h=[])}),e=[],w.__e(o,n.__v)}}),Bt&&Bt(t,e)},w.unmount=function(t){Vt&&Vt(t);var e,n=t.__c;n&&n.__H&&(n.__H.__.forEach(function(o){try{ot(o)}catch(r){e=r}}),n.__H=void 0,e&&w.__e(e,n.__v))};var Kt=typeof requestAnimationFrame=="function";function ge(t){var e,n=function(){clearTimeout(o),Kt&&cancelAnimationFrame(e),setTimeout(t)},o=setTimeout(n,100);Kt&&(e=requestAnimationFrame(n))}function ot(t){var e=b,n=t.__c;typeof n=="function"&&(t.__c=void 0,n()),b=e}function gt(t){var e=b;t.__c=t.__(),b=e}function Jt(t,e){return!t||t.length!==e.length||e.some(function(n,o){return n!==t[o]})}function Qt(t,e){return typeof e=="function"?e(t):e}var kt="",bt=class extends Error{constructor(e,n){super(n),this.status=e}};function z(t){kt=t||""}async function U(t,e,n){let o={Accept:"application/json"};n!==void 0&&(o["Content-Type"]="application/json"),t!=="GET"&&t!=="HEAD"&&kt&&(o["X-CSRF-Token"]=kt);let r=await fetch(e,{method:t,headers:o,credentials:"same-origin",cache:"no-store",body:n===void 0?void 0:JSON.stringify(n)});if(r.status===204)return null;let s=null,a=await r.text();if(a)try{s=JSON.parse(a)}catch{s=null}if(!r.ok){let c=s&&s.message||`${r.status} ${r.statusText}`;throw r.status===401&&window.dispatchEvent(new CustomEvent("statehouse-signed-out")),new bt(r.status,c)}return s}var x=t=>U("GET",t),yt=t=>encodeURIComponent(t);function A(t,e,n){return`/api/stacks/${yt(t)}/${yt(e)}/${yt(n)}`}function Xt(t){let e=t.split("/").filter(Boolean).map(decodeURIComponent);return e.length===0?{page:"stacks"}:e[0]==="signin"?{page:"signin"}:e[0]==="user"&&e[1]==="settings"&&e[2]==="tokens"?{page:"tokens"}:e.length===1?{page:"stacks",org:e[0]}:e.length===3?{page:"stack",org:e[0],project:e[1],stack:e[2]}:e.length===5&&e[3]==="updates"?{page:"update",org:e[0],project:e[1],stack:e[2],version:e[4]}:{page:"notfound"}}function rt(t){t!==window.location.pathname+window.location.search&&(window.history.pushState(null,"",t),window.dispatchEvent(new PopStateEvent("popstate")))}function Zt(){let[t,e]=v(window.location.pathname+window.location.search);return E(()=>{let n=()=>e(window.location.pathname+window.location.search);return window.addEventListener("popstate",n),()=>window.removeEventListener("popstate",n)},[]),t}function N({href:t,children:e,...n}){return d`<a href=${t} onClick=${r=>{r.defaultPrevented||r.button!==0||r.metaKey||r.ctrlKey||r.shiftKey||r.altKey||(r.preventDefault(),rt(t))}} ...${n}>${e}</a>`}var J=t=>encodeURIComponent(t),j=(t,e,n)=>`/${J(t)}/${J(e)}/${J(n)}`;function W(t){if(!t)return"never";let e=Math.max(0,Date.now()/1e3-t);return e<60?"just now":e<3600?`${Math.floor(e/60)} min ago`:e<86400?`${Math.floor(e/3600)} h ago`:`${Math.floor(e/86400)} d ago`}function st(t){return t?new Date(t*1e3).toISOString().replace("T"," ").replace(/\.\d+Z$/," UTC"):""}function Yt(t,e){if(!t)return"";let n=Math.max(0,(e||Date.now()/1e3)-t);return n<60?`${Math.round(n)} s`:`${Math.floor(n/60)} min ${Math.round(n%60)} s`}var ve="4dabf18193072939515e22adb298388d";function te(t){return t!==null&&typeof t=="object"&&t[ve]==="1b47061264138c4ac30d75fd1eb44270"}function q(t){if(te(t))return"[secret]";if(Array.isArray(t))return t.map(q);if(t!==null&&typeof t=="object"){let e={};for(let n of Object.keys(t))e[n]=q(t[n]);return e}return t}function ee({value:t}){return te(t)?d`<span class="secret" title="secret">[secret]</span>`:typeof t=="string"?d`<span>${t}</span>`:d`<code>${JSON.stringify(q(t))}</code>`}function T(){return d`<p class="muted" role="status">Loading…</p>`}function D({error:t}){return d`<p class="error" role="alert">${String(t&&t.message?t.message:t)}</p>`}function ne({onSignedIn:t}){let[e,n]=v(""),[o,r]=v(null),[s,a]=v(!1);return d`
    <main class="signin">
      <h1>Sign in to Statehouse</h1>
      <form onSubmit=${async l=>{l.preventDefault(),a(!0),r(null);try{let u=await U("POST","/api/console/session",{accessToken:e.trim()});n(""),t(u)}catch(u){r(u.status===401?"That access token is not valid.":u)}finally{a(!1)}}}>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required
          placeholder="pul-…" value=${e} onInput=${l=>n(l.target.value)} />
        <button type="submit" id="sign-in" disabled=${s}>Sign in</button>
      </form>
      ${o&&d`<${D} error=${o} />`}
      <p class="muted">Use a personal access token (<code>pulumi login</code> prints where to get one).</p>
    </main>
  `}function oe({org:t}){let[e,n]=v(null),[o,r]=v({}),[s,a]=v(null),[c,l]=v("");E(()=>{let p=!1;return(async()=>{let i=[],_="";do{let g=new URLSearchParams({maxResults:"500"});t&&g.set("organization",t),_&&g.set("continuationToken",_);let y=await x(`/api/user/stacks?${g}`);i.push(...y.stacks||[]),_=y.continuationToken||""}while(_&&!p);if(p)return;n(i);let f=i.slice(0,200),$=async()=>{for(;f.length&&!p;){let g=f.shift();try{let y=await x(A(g.orgName,g.projectName,g.stackName));p||r(h=>({...h,[it(g)]:y.tags||{}}))}catch{}}};await Promise.all([$(),$(),$(),$()])})().catch(i=>!p&&a(i)),()=>{p=!0}},[t]);let u=K(()=>{if(!e)return[];let p=c.trim().toLowerCase(),i=new Map;for(let _ of e){let f=o[it(_)]||{},$=[_.orgName,_.projectName,_.stackName,...Object.entries(f).flat()].join(" ").toLowerCase();if(p&&!$.includes(p))continue;let g=`${_.orgName}/${_.projectName}`;i.has(g)||i.set(g,[]),i.get(g).push(_)}return[...i.entries()].sort((_,f)=>_[0].localeCompare(f[0]))},[e,o,c]);return s?d`<${D} error=${s} />`:e?d`
    <h1>Stacks${t?d` in ${t}`:""}</h1>
    <input type="search" id="stack-filter" aria-label="Filter stacks" placeholder="Filter by name or tag"
      value=${c} onInput=${p=>l(p.target.value)} />
    ${e.length===0&&d`<p class="muted">No stacks yet. Create one with <code>pulumi stack init</code>.</p>`}
    ${u.map(([p,i])=>d`
        <section class="project" key=${p}>
          <h2>${p}</h2>
          <table class="stacks">
            <thead><tr><th>Stack</th><th>Last update</th><th>Resources</th><th>Tags</th></tr></thead>
            <tbody>
              ${i.map(_=>d`<tr key=${it(_)} class="stack-row">
                  <td><${N} href=${j(_.orgName,_.projectName,_.stackName)}>${_.stackName}<//></td>
                  <td>${W(_.lastUpdate)}</td>
                  <td>${_.resourceCount??""}</td>
                  <td class="tags">${Object.entries(o[it(_)]||{}).map(([f,$])=>d`<span class="tag" key=${f}>${f}: ${$}</span>`)}</td>
                </tr>`)}
            </tbody>
          </table>
        </section>
      `)}
  `:d`<${T} />`}var it=t=>`${t.orgName}/${t.projectName}/${t.stackName}`;var wt=200;function re({org:t,project:e,stack:n}){let[o,r]=v(null),[s,a]=v(null),[c,l]=v(null),[u,p]=v(null),[i,_]=v("overview"),f=A(t,e,n);if(E(()=>{x(f).then(r,p),x(`${f}/export`).then(a,()=>a({deployment:{}})),x(`${f}/updates?output-type=service&page=1&pageSize=50`).then(m=>l(m.updates||[]),()=>l([]))},[f]),u)return d`<${D} error=${u} />`;if(!o)return d`<${T} />`;let $=s&&s.deployment&&s.deployment.resources||[],g=$.find(m=>m.type==="pulumi:pulumi:Stack"),y=g&&g.outputs||{},h=[["overview","Overview"],["resources",`Resources (${$.length})`],["history","History"]];return d`
    <nav class="crumbs" aria-label="breadcrumb">
      <${N} href=${`/${J(t)}`}>${t}<//> / ${e} / <strong>${n}</strong>
    </nav>
    <h1>${e}/${n}</h1>
    ${o.currentOperation&&d`<p class="running">${o.currentOperation.kind} in progress, started by ${o.currentOperation.author}</p>`}
    <div role="tablist" class="tabs">
      ${h.map(([m,C])=>d`<button type="button" role="tab" id=${`tab-${m}`} aria-selected=${i===m}
          onClick=${()=>_(m)}>${C}</button>`)}
    </div>
    ${i==="overview"&&d`
      <section>
        <h2>Outputs</h2>
        ${Object.keys(y).length===0?d`<p class="muted">No outputs.</p>`:d`<table class="outputs" id="outputs">
              <tbody>
                ${Object.keys(y).sort().map(m=>d`<tr key=${m}><th scope="row">${m}</th><td><${ee} value=${y[m]} /></td></tr>`)}
              </tbody>
            </table>`}
        <h2>Tags</h2>
        <ul class="tags" id="stack-tags">
          ${Object.entries(o.tags||{}).map(([m,C])=>d`<li class="tag" key=${m}>${m}: ${C}</li>`)}
        </ul>
      </section>
    `}
    ${i==="resources"&&(s?d`<${ye} resources=${$} />`:d`<${T} />`)}
    ${i==="history"&&(c?d`<${be} updates=${c} org=${t} project=${e} stack=${n} />`:d`<${T} />`)}
  `}function ye({resources:t}){let[e,n]=v(""),[o,r]=v(wt),[s,a]=v(null),c=K(()=>{let u=new Map(t.map(_=>[_.urn,_])),p=new Map,i=(_,f=0)=>{if(p.has(_.urn))return p.get(_.urn);let $=_.parent&&u.get(_.parent),g=$&&f<64?i($,f+1)+1:0;return p.set(_.urn,g),g};return _=>i(_)},[t]),l=K(()=>{let u=e.trim().toLowerCase();return u?t.filter(p=>`${p.urn} ${p.type} ${p.id||""}`.toLowerCase().includes(u)):t},[t,e]);return d`
    <section class="resources">
      <input type="search" id="resource-filter" aria-label="Search resources" placeholder="Search by name, type or id"
        value=${e} onInput=${u=>{n(u.target.value),r(wt)}} />
      <p class="muted">${l.length} of ${t.length} resources</p>
      <ul class="tree">
        ${l.slice(0,o).map(u=>d`<li key=${u.urn} style=${e?"":`padding-left:${c(u)*1.2}em`}>
            <button type="button" class="linkish" onClick=${()=>a(u)}>${se(u.urn)}</button>
            <span class="muted"> ${u.type}</span>
          </li>`)}
      </ul>
      ${l.length>o&&d`<button type="button" onClick=${()=>r(o+wt)}>Show more</button>`}
      ${s&&d`<${ke} r=${s} onClose=${()=>a(null)} />`}
    </section>
  `}function ke({r:t,onClose:e}){return d`
    <aside class="detail" aria-label="resource detail">
      <button type="button" class="close" onClick=${e} aria-label="Close">×</button>
      <h3>${se(t.urn)}</h3>
      <dl>
        <dt>URN</dt><dd><code>${t.urn}</code></dd>
        <dt>Type</dt><dd>${t.type}</dd>
        ${t.id&&d`<dt>ID</dt><dd><code>${t.id}</code></dd>`}
        ${t.provider&&d`<dt>Provider</dt><dd><code>${t.provider}</code></dd>`}
        ${t.parent&&d`<dt>Parent</dt><dd><code>${t.parent}</code></dd>`}
        ${(t.dependencies||[]).length>0&&d`<dt>Dependencies</dt><dd>${t.dependencies.map(n=>d`<div key=${n}><code>${n}</code></div>`)}</dd>`}
      </dl>
      <h4>Inputs</h4><pre>${JSON.stringify(q(t.inputs||{}),null,2)}</pre>
      <h4>Outputs</h4><pre>${JSON.stringify(q(t.outputs||{}),null,2)}</pre>
    </aside>
  `}function be({updates:t,org:e,project:n,stack:o}){return t.length===0?d`<p class="muted">No updates yet.</p>`:d`
    <table class="history">
      <thead><tr><th>Version</th><th>Kind</th><th>Result</th><th>Started</th><th>Message</th><th>By</th></tr></thead>
      <tbody>
        ${t.map(r=>d`<tr key=${r.version}>
            <td><${N} href=${`${j(e,n,o)}/updates/${r.version}`}>#${r.version}<//></td>
            <td>${r.info.kind}</td>
            <td class=${`result-${r.info.result}`}>${r.info.result}</td>
            <td title=${st(r.info.startTime)}>${W(r.info.startTime)}</td>
            <td>${r.info.message}</td>
            <td>${r.requestedBy&&r.requestedBy.githubLogin}</td>
          </tr>`)}
      </tbody>
    </table>
  `}function se(t){let e=t.lastIndexOf("::");return e>=0?t.slice(e+2):t}function ae({org:t,project:e,stack:n,version:o}){let[r,s]=v(null),[a,c]=v([]),[l,u]=v(!1),[p,i]=v(null),[_,f]=v("all"),$=A(t,e,n);if(E(()=>{let h=!1,m=0;return(async()=>{let C=await x(`${$}/updates/${encodeURIComponent(o)}`);if(h)return;s(C);let S="",I=async()=>{let M=S?`?continuationToken=${encodeURIComponent(S)}`:"",L=await x(`${$}/update/${encodeURIComponent(C.updateID)}/events${M}`);h||(L.events&&L.events.length&&c(H=>H.concat(L.events)),L.continuationToken?(S=L.continuationToken,m=setTimeout(()=>I().catch(i),L.events&&L.events.length?0:2e3)):(u(!0),x(`${$}/updates/${encodeURIComponent(o)}`).then(H=>!h&&s(H))))};await I()})().catch(C=>!h&&i(C)),()=>{h=!0,clearTimeout(m)}},[$,o]),p)return d`<${D} error=${p} />`;if(!r)return d`<${T} />`;let g=r.info,y=a.map(we).filter(h=>h&&(_==="all"||h.severity===_));return d`
    <nav class="crumbs" aria-label="breadcrumb">
      <${N} href=${j(t,e,n)}>${t}/${e}/${n}<//> / update #${o}
    </nav>
    <h1>Update #${o}</h1>
    <dl class="summary">
      <dt>Kind</dt><dd>${g.kind}</dd>
      <dt>Result</dt><dd class=${`result-${g.result}`} id="update-result">${g.result}</dd>
      <dt>Started</dt><dd>${st(g.startTime)}</dd>
      <dt>Duration</dt><dd>${Yt(g.startTime,g.endTime)}</dd>
      <dt>Message</dt><dd>${g.message}</dd>
      <dt>Changes</dt><dd>${Object.entries(g.resourceChanges||{}).map(([h,m])=>`${h}: ${m}`).join(", ")}</dd>
    </dl>
    <h2>Log ${l?"":d`<span class="muted">(live)</span>`}</h2>
    <label>Show <select value=${_} onChange=${h=>f(h.target.value)}>
      <option value="all">everything</option><option value="error">errors</option><option value="warning">warnings</option>
    </select></label>
    <pre class="log" id="event-log">${y.map((h,m)=>d`<div key=${m} class=${`sev-${h.severity}`}>${h.text}</div>`)}</pre>
  `}function we(t){if(t.diagnosticEvent){let e=t.diagnosticEvent;return{severity:e.severity||"info",text:`${e.urn?e.urn+": ":""}${ie(e.message||"")}`}}if(t.stdoutEvent)return{severity:"info",text:ie(t.stdoutEvent.message||"")};if(t.resourcePreEvent){let e=t.resourcePreEvent.metadata||{};return{severity:"info",text:`${e.op||""} ${e.urn||""}`}}if(t.resOutputsEvent){let e=t.resOutputsEvent.metadata||{};return{severity:"info",text:`${e.op||""} ${e.urn||""} done`}}if(t.resOpFailedEvent){let e=t.resOpFailedEvent.metadata||{};return{severity:"error",text:`${e.op||""} ${e.urn||""} failed`}}if(t.summaryEvent){let e=t.summaryEvent.resourceChanges||{};return{severity:"info",text:`summary: ${Object.entries(e).map(([n,o])=>`${n} ${o}`).join(", ")}`}}return t.cancelEvent?{severity:"warning",text:"cancelled"}:null}function ie(t){return t.replace(/<\{%[^%]*%\}>/g,"").replace(/\u001b\[[0-9;]*m/g,"")}function ue(){let[t,e]=v(null),[n,o]=v(null),[r,s]=v(""),[a,c]=v(null),l=()=>x("/api/user/tokens").then(i=>e(i.tokens||[]),o);E(()=>{l()},[]);let u=async i=>{i.preventDefault(),o(null);try{let _=await U("POST","/api/user/tokens",{description:r,expires:0});c(_.tokenValue),s(""),l()}catch(_){o(_)}},p=async i=>{if(window.confirm(`Delete the token "${i.description||i.name}"?`))try{await U("DELETE",`/api/user/tokens/${encodeURIComponent(i.id)}`),l()}catch(_){o(_)}};return d`
    <h1>Access tokens</h1>
    <form onSubmit=${u} class="inline">
      <label for="token-description">Description</label>
      <input id="token-description" required maxlength="255" value=${r}
        onInput=${i=>s(i.target.value)} />
      <button type="submit" id="create-token">Create token</button>
    </form>
    ${a&&d`<div class="notice" role="status">
      <p>Copy the new token now; it is not shown again:</p>
      <input readonly id="new-token" value=${a} onFocus=${i=>i.target.select()} />
      <button type="button" onClick=${()=>c(null)}>Done</button>
    </div>`}
    ${n&&d`<${D} error=${n} />`}
    ${t?d`<table class="tokens">
          <thead><tr><th>Description</th><th>Created</th><th>Last used</th><th></th></tr></thead>
          <tbody>
            ${t.map(i=>d`<tr key=${i.id}>
                <td>${i.description||i.name}</td>
                <td>${i.created}</td>
                <td>${W(i.lastUsed)}</td>
                <td><button type="button" class="danger" onClick=${()=>p(i)}>Delete</button></td>
              </tr>`)}
          </tbody>
        </table>`:d`<${T} />`}
  `}function Ce(){let t=Zt(),[e,n]=v(void 0);if(E(()=>{U("GET","/api/console/session").then(c=>{z(c.csrfToken),n(c)}).catch(()=>n(null));let a=()=>{z(""),n(null)};return window.addEventListener("statehouse-signed-out",a),()=>window.removeEventListener("statehouse-signed-out",a)},[]),e===void 0)return d`<${T} />`;let o=Xt(window.location.pathname);if(e===null)return d`<${ne}
      onSignedIn=${a=>{z(a.csrfToken),n(a),o.page==="signin"&&rt("/")}}
    />`;let r=async()=>{try{await U("DELETE","/api/console/session")}finally{z(""),n(null),rt("/")}},s;switch(o.page){case"stacks":case"signin":s=d`<${oe} org=${o.org} key=${t} />`;break;case"stack":s=d`<${re} ...${o} key=${t} />`;break;case"update":s=d`<${ae} ...${o} key=${t} />`;break;case"tokens":s=d`<${ue} />`;break;default:s=d`<h1>Not found</h1><p>No page at this address.</p>`}return d`
    <header class="top">
      <${N} href="/" class="brand">Statehouse<//>
      <nav aria-label="main">
        <${N} href="/">Stacks<//>
        <${N} href="/user/settings/tokens">Access tokens<//>
      </nav>
      <span class="who">${e.user.login}</span>
      <button type="button" id="sign-out" onClick=${r}>Sign out</button>
    </header>
    <main id="main">${s}</main>
  `}ht(d`<${Ce} />`,document.getElementById("app"));
