/* pp-html: the page's script. It reads the JSON data block, draws the call
   tree and the flame graph, and adds hover values to the timeline; with
   suspects.js, it shows a leak suspect's place in both. Every element is
   built with createElement and textContent: text from the input never
   becomes markup. Errors are recorded in the body's data-errors attribute
   and data-state becomes "ready" when all is drawn, so a headless browser
   can check the page. The page puts this file and suspects.js in one
   function scope ("use strict") and calls start(). */

  const body = document.body;
  const errors = [];
  function fail(message) {
    errors.push(String(message));
    body.setAttribute("data-errors", errors.join("\n"));
  }
  window.addEventListener("error", (e) => fail(e.message || "error"));
  window.addEventListener("unhandledrejection", (e) => fail("unhandled rejection: " + e.reason));
  document.addEventListener("securitypolicyviolation", (e) =>
    fail("blocked by the page's policy: " + e.violatedDirective + " " + e.blockedURI));

  /* Rows the tree shows at most when expanding everything or a search. */
  const ROW_BUDGET = 2500;
  /* Children shown before the rest fold into "N more". */
  const FIRST_CHILDREN = 30;
  /* Children revealed per click on "N more". */
  const MORE_CHILDREN = 100;
  /* Rectangles the flame graph draws at most. */
  const MAX_RECTS = 12000;
  const PSEUDO = 1, MORE = 2, VARIES = 4;
  const SVG = "http://www.w3.org/2000/svg";

  let data, t, n, total, parent, depth, height, unit;
  let filter = null;   /* Uint8Array: nodes shown while searching, or null */
  let matched = null;  /* Uint8Array: nodes that match the search */
  let below = null;    /* Uint8Array: nodes with a match under them */
  let query = "";
  let lowerText = null;
  let rows = 0;

  const numbers = new Intl.NumberFormat("en-US");
  const num = (x) => numbers.format(x);
  function share(x, of) {
    if (!(of > 0)) return "–";
    const p = 100 * x / of;
    return (p >= 0.1 || p === 0 ? p.toFixed(1) : p.toPrecision(1)) + "%";
  }
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const name = (i) => t.strings[t.name[i]];
  function place(i) {
    const file = t.strings[t.file[i]];
    return file ? file + ":" + t.line[i] : "";
  }
  function children(i) {
    const list = [];
    for (let c = t.first[i]; c < t.first[i] + t.count[i]; c++) {
      if (!filter || filter[c]) list.push(c);
    }
    return list;
  }

  function load() {
    data = JSON.parse(document.getElementById("pp-data").textContent);
    t = data.tree;
    unit = data.unit;
    n = t.name.length;
    total = n ? t.total[0] : 0;
    parent = new Int32Array(n).fill(-1);
    depth = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      for (let c = t.first[i]; c < t.first[i] + t.count[i]; c++) {
        parent[c] = i;
        depth[c] = depth[i] + 1;
      }
    }
    /* Levels below each node (children come after their parent). */
    height = new Uint16Array(n);
    for (let i = n - 1; i > 0; i--) height[parent[i]] = Math.max(height[parent[i]], height[i] + 1);
  }

  /* ---- Timeline: hover values ---- */

  function initTimeline() {
    const svg = document.getElementById("timeline-svg");
    if (!svg) return;
    const hit = document.getElementById("timeline-hit");
    const guide = document.getElementById("timeline-guide");
    const tip = document.getElementById("timeline-tip");
    const tips = data.timeline;
    function nearest(x) {
      let lo = 0, hi = tips.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (tips[mid].x < x) lo = mid + 1; else hi = mid;
      }
      if (lo > 0 && x - tips[lo - 1].x < tips[lo].x - x) lo--;
      return tips[lo];
    }
    hit.addEventListener("mousemove", (e) => {
      const point = svg.createSVGPoint();
      point.x = e.clientX;
      point.y = e.clientY;
      const at = point.matrixTransform(svg.getScreenCTM().inverse());
      const hover = nearest(at.x);
      guide.setAttribute("x1", hover.x);
      guide.setAttribute("x2", hover.x);
      guide.classList.add("on");
      tip.replaceChildren(...hover.text.map((line) => el("div", "", line)));
      const box = svg.parentNode.getBoundingClientRect();
      tip.hidden = false;
      const left = e.clientX - box.left + 14;
      tip.style.left = Math.min(left, box.width - tip.offsetWidth - 4) + "px";
      tip.style.top = Math.max(0, e.clientY - box.top - tip.offsetHeight - 10) + "px";
    });
    hit.addEventListener("mouseleave", () => {
      guide.classList.remove("on");
      tip.hidden = true;
    });
  }

  /* ---- Call tree ---- */

  /* Appends `text` to `parent` with a <wbr> where a long name may wrap: after
     a "." or "/" followed by neither ".", "]" nor ")", and before a "(", never
     after the first character (escape.rs's name() follows the same rule).
     `offset` is where `text` starts in the whole name. */
  function appendName(parent, text, offset) {
    let from = 0;
    for (let k = 1; k < text.length; k++) {
      if (k + offset < 2) continue;
      const prev = text[k - 1], next = text[k];
      if (((prev === "." || prev === "/") && next !== "." && next !== "]" && next !== ")") || next === "(") {
        parent.append(text.slice(from, k), el("wbr"));
        from = k;
      }
    }
    parent.append(text.slice(from));
  }

  function highlighted(text, className) {
    const span = el("span", className);
    if (!query) {
      appendName(span, text, 0);
      return span;
    }
    const lower = text.toLowerCase();
    let from = 0;
    for (let at = lower.indexOf(query); at >= 0; at = lower.indexOf(query, from)) {
      appendName(span, text.slice(from, at), from);
      const mark = el("mark");
      appendName(mark, text.slice(at, at + query.length), at);
      span.append(mark);
      from = at + query.length;
    }
    appendName(span, text.slice(from), from);
    return span;
  }

  function treeRow(i) {
    const flags = t.flags[i];
    const node = el("div", "node");
    node.setAttribute("role", "treeitem");
    node.dataset.id = i;
    const row = el("div", "row");
    if (flags & PSEUDO) row.classList.add("pseudo");
    if (flags & MORE) row.classList.add("more");
    if (matched && matched[i]) row.classList.add("hit");
    const cum = el("span", "num total", num(t.total[i]));
    cum.style.backgroundSize = (total > 0 ? 100 * t.total[i] / total : 0).toFixed(2) + "% 100%";
    const label = el("span", "label");
    label.style.paddingLeft = (depth[i] - 1) * 14 + "px";
    const open = t.count[i] > 0;
    label.append(el("span", "toggle", open ? "▸" : "·"), highlighted(name(i), "func"));
    const where = place(i);
    if (where) {
      const loc = highlighted(where + (flags & VARIES ? " …" : ""), "loc");
      if (flags & VARIES) loc.title = "Frames of this function at other lines are merged in; --lines tells them apart.";
      label.append(el("wbr"), loc);
    }
    row.append(cum, el("span", "num pct", share(t.total[i], total)), el("span", "num self", num(t.self[i])), label);
    node.append(row);
    if (open) node.setAttribute("aria-expanded", "false");
    rows++;
    return node;
  }

  /* A row standing for `list` (sibling nodes not shown yet). */
  function moreRow(list) {
    let sum = 0;
    for (const c of list) sum += t.total[c];
    const node = el("div", "node js-more");
    const row = el("div", "row more");
    const label = el("span", "label");
    label.style.paddingLeft = (depth[list[0]] - 1) * 14 + "px";
    label.append(el("span", "toggle", "+"), el("span", "func", list.length + " more"));
    row.append(el("span", "num total", num(sum)), el("span", "num pct", share(sum, total)), el("span", "num self", ""), label);
    node.append(row);
    node.moreList = list;
    rows++;
    return node;
  }

  /* Appends to `box` the children in `list` from `start`, at most `limit`,
     folding small ones and the rest into a "more" row. */
  function appendChildren(box, list, start, limit) {
    let shown = 0, i = start;
    for (; i < list.length && shown < limit; i++, shown++) {
      const c = list[i];
      const tiny = t.total[c] * 1000 < total && shown >= 3 && !(matched && filter);
      if (tiny) break;
      box.append(treeRow(list[i]));
    }
    if (i < list.length) box.append(moreRow(list.slice(i)));
  }

  function expand(node, chain) {
    if (node.getAttribute("aria-expanded") !== "false") return [];
    const i = Number(node.dataset.id);
    let box = node.querySelector(":scope > .children");
    if (!box) {
      box = el("div", "children");
      box.setAttribute("role", "group");
      appendChildren(box, children(Number(i)), 0, FIRST_CHILDREN);
      node.append(box);
    }
    box.hidden = false;
    node.setAttribute("aria-expanded", "true");
    node.querySelector(":scope > .row .toggle").textContent = "▾";
    const kids = Array.from(box.children).filter((k) => !k.classList.contains("js-more"));
    if (chain > 0 && kids.length === 1) return [kids[0]].concat(expand(kids[0], chain - 1));
    return kids;
  }

  function collapse(node) {
    const box = node.querySelector(":scope > .children");
    if (box) box.hidden = true;
    node.setAttribute("aria-expanded", "false");
    node.querySelector(":scope > .row .toggle").textContent = "▸";
  }

  function revealMore(node) {
    const box = node.parentNode;
    const list = node.moreList;
    node.remove();
    rows--;
    const before = box.children.length;
    let shown = 0;
    for (; shown < list.length && shown < MORE_CHILDREN; shown++) box.append(treeRow(list[shown]));
    if (shown < list.length) box.append(moreRow(list.slice(shown)));
    return box.children.length - before;
  }

  /* Opens nodes breadth first from `start` until `budget` rows are shown;
     with `only`, just the nodes it marks. */
  function expandMany(start, budget, only) {
    const queue = start.slice();
    while (queue.length && rows < budget) {
      const node = queue.shift();
      if (node.classList.contains("js-more")) continue;
      if (only && !only[Number(node.dataset.id)]) continue;
      if (node.getAttribute("aria-expanded") === "false") expand(node, 0);
      const box = node.querySelector(":scope > .children");
      if (box) queue.push(...box.children);
    }
    return queue.length === 0;
  }

  function buildTree() {
    const box = document.getElementById("tree");
    rows = 0;
    box.replaceChildren();
    if (!n || t.count[0] === 0) {
      box.append(el("p", "note", "No stacks."));
      return [];
    }
    appendChildren(box, children(0), 0, FIRST_CHILDREN);
    return Array.from(box.children);
  }

  /* The first view: heavy roots open, single-child chains followed. */
  function initialView() {
    const top = buildTree();
    for (const node of top) {
      if (node.classList.contains("js-more")) continue;
      const i = Number(node.dataset.id);
      if (t.total[i] * 10 >= total && rows < 300) expand(node, 40);
    }
  }

  function setStatus(text) {
    document.getElementById("tree-status").textContent = text;
  }

  function search(text) {
    query = text.trim().toLowerCase();
    if (!query) {
      filter = matched = below = null;
      setStatus("");
      initialView();
      drawFlame();
      return;
    }
    if (!lowerText) {
      lowerText = new Array(n);
      for (let i = 0; i < n; i++) lowerText[i] = (name(i) + " " + place(i)).toLowerCase();
    }
    filter = new Uint8Array(n);
    matched = new Uint8Array(n);
    below = new Uint8Array(n);
    let count = 0, sum = 0;
    for (let i = 1; i < n; i++) {
      if (!lowerText[i].includes(query)) continue;
      matched[i] = 1;
      count++;
      let covered = false;
      for (let a = parent[i]; a > 0; a = parent[a]) if (matched[a]) covered = true;
      if (!covered) sum += t.total[i];
      for (let a = parent[i]; a >= 0 && !below[a]; a = parent[a]) below[a] = 1;
    }
    /* Shown: the paths to the matches, and everything under a match
       (nodes are stored breadth first, so a parent comes before its children). */
    const under = new Uint8Array(n);
    for (let i = 1; i < n; i++) {
      under[i] = matched[i] || under[parent[i]];
      filter[i] = below[i] || under[i];
    }
    filter[0] = 1;
    const top = buildTree();
    const complete = expandMany(top, ROW_BUDGET, below);
    setStatus(count === 0 ? "no frame matches" :
      num(count) + " frames match, " + num(sum) + " " + unit + " (" + share(sum, total) + ")" +
      (complete ? "" : "; showing the first " + num(rows) + " rows"));
    drawFlame();
  }

  function initTree() {
    const box = document.getElementById("tree");
    box.addEventListener("click", (e) => {
      const row = e.target.closest(".row");
      if (!row) return;
      const node = row.parentNode;
      if (node.classList.contains("js-more")) revealMore(node);
      else if (node.getAttribute("aria-expanded") === "false") expand(node, 40);
      else if (node.getAttribute("aria-expanded") === "true") collapse(node);
    });
    document.getElementById("tree-expand").addEventListener("click", () => {
      const done = expandMany(Array.from(box.children), rows + ROW_BUDGET);
      setStatus(done ? "" : "Expanded " + num(rows) + " rows; open deeper frames one by one.");
    });
    document.getElementById("tree-collapse").addEventListener("click", () => {
      buildTree();
      setStatus("");
    });
    const input = document.getElementById("tree-search");
    let timer = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        search(input.value);
        try {
          history.replaceState(null, "", input.value ? "#q=" + encodeURIComponent(input.value) : "#call-tree");
        } catch (ignored) { /* file:// may refuse; the search still works */ }
      }, 200);
    });
    const hash = location.hash.match(/^#q=(.*)$/);
    if (hash) {
      input.value = decodeURIComponent(hash[1]);
      search(input.value);
    } else {
      initialView();
    }
  }

  /* ---- Flame graph (root at the top, as pprof draws it) ---- */

  let zoom = 0;
  let targets = null;  /* Set: the nodes of the leak suspect shown, or null */
  const ROW_HEIGHT = 18;

  function color(i) {
    const flags = t.flags[i];
    if (flags & MORE) return "#dcdcdc";
    if (flags & PSEUDO) return "#b9c7d6";
    const text = name(i);
    let h = 0;
    for (let k = 0; k < text.length; k++) h = (h * 31 + text.charCodeAt(k)) >>> 0;
    if (/^(runtime|internal|sync|syscall)[./]/.test(text)) return "hsl(" + (195 + h % 30) + ",55%," + (70 + h % 10) + "%)";
    return "hsl(" + (8 + h % 42) + ",78%," + (58 + h % 12) + "%)";
  }

  function flameBox(i, x, w, level, ancestor) {
    const g = document.createElementNS(SVG, "g");
    g.dataset.id = i;
    if (ancestor) g.classList.add("ancestor");
    if (matched && matched[i]) g.classList.add("match");
    if (targets && targets.has(i)) g.classList.add("target");
    const rect = document.createElementNS(SVG, "rect");
    rect.setAttribute("x", x.toFixed(1));
    rect.setAttribute("y", level * ROW_HEIGHT);
    rect.setAttribute("width", Math.max(w, 0.5).toFixed(1));
    rect.setAttribute("height", ROW_HEIGHT - 1);
    rect.setAttribute("fill", color(i));
    g.append(rect);
    const room = Math.floor((w - 6) / 6.7);
    if (room >= 3) {
      const label = name(i);
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", (x + 3).toFixed(1));
      text.setAttribute("y", level * ROW_HEIGHT + 12.5);
      text.textContent = label.length <= room ? label : label.slice(0, room - 1) + "…";
      g.append(text);
    }
    return g;
  }

  /* The flame graph is as deep as its frames at least this wide (px): a
     thinner column that goes deeper is cut there, behind a "deeper" marker
     that zooms into it, so one thin deep stack cannot fill the view with
     white space. */
  const DEEP_WIDTH = 12;

  /* The level of the deepest frame under `zoom` (at `top`) at least
     DEEP_WIDTH wide: a child is never wider than its parent, so only wide
     frames are visited. */
  function wideDepth(scale, top) {
    let deepest = top;
    const todo = [[zoom, top]];
    while (todo.length) {
      const [i, level] = todo.pop();
      for (let c = t.first[i]; c < t.first[i] + t.count[i]; c++) {
        if (t.total[c] * scale < DEEP_WIDTH) continue;
        deepest = Math.max(deepest, level + 1);
        todo.push([c, level + 1]);
      }
    }
    return deepest;
  }

  /* The marker drawn for the cut column of node i. */
  function deeperBox(i, x, w, level) {
    const g = flameBox(i, x, w, level, false);
    g.classList.add("deeper");
    g.dataset.deeper = height[i] + 1;
    /* A search match or a leak suspect's frame cut away shows on its marker. */
    if (below && below[i]) g.classList.add("match");
    if (targets) {
      for (const place of targets) for (let a = parent[place]; a > 0; a = parent[a]) if (a === i) g.classList.add("target");
    }
    const text = g.querySelector("text");
    if (text) text.textContent = w >= 70 ? "deeper ▸" : "▸";
    const title = document.createElementNS(SVG, "title");
    title.textContent = name(i) + " and " + height[i] + " more level" + (height[i] === 1 ? "" : "s") +
      " below: click to zoom in";
    g.prepend(title);
    return g;
  }

  function drawFlame() {
    const box = document.getElementById("flame");
    if (!n || total === 0) {
      box.replaceChildren(el("p", "note", "No stacks."));
      return;
    }
    const width = Math.max(box.clientWidth, 320);
    const chain = [];
    for (let a = zoom; a >= 0; a = parent[a]) chain.unshift(a);
    const svg = document.createElementNS(SVG, "svg");
    const boxes = chain.map((a, level) => flameBox(a, 0, width, level, a !== zoom));
    let deepest = chain.length - 1;
    const scale = width / Math.max(t.total[zoom], 1);
    const cut = wideDepth(scale, chain.length - 1);
    const stack = [[zoom, 0, chain.length - 1]];
    while (stack.length && boxes.length < MAX_RECTS) {
      const [i, x0, level] = stack.pop();
      let x = x0;
      for (let c = t.first[i]; c < t.first[i] + t.count[i]; c++) {
        const w = t.total[c] * scale;
        if (w >= 0.7 && boxes.length < MAX_RECTS) {
          if (level < cut) {
            boxes.push(flameBox(c, x, w, level + 1, false));
            stack.push([c, x, level + 1]);
          } else {
            boxes.push(height[c] > 0 ? deeperBox(c, x, w, level + 1) : flameBox(c, x, w, level + 1, false));
          }
          deepest = Math.max(deepest, level + 1);
        }
        x += w;
      }
    }
    svg.setAttribute("viewBox", "0 0 " + width + " " + (deepest + 1) * ROW_HEIGHT);
    svg.setAttribute("height", (deepest + 1) * ROW_HEIGHT);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "flame graph");
    svg.append(...boxes);
    box.replaceChildren(svg);
  }

  function describe(i) {
    const where = place(i);
    return name(i) + (where ? "  " + where : "") + "  —  " + num(t.total[i]) + " " + unit +
      " (" + share(t.total[i], total) + " of all" +
      (zoom ? ", " + share(t.total[i], t.total[zoom]) + " of the zoomed frame" : "") +
      "), self " + num(t.self[i]);
  }

  function initFlame() {
    const box = document.getElementById("flame");
    const info = document.getElementById("flame-info");
    const hint = info.textContent;
    box.addEventListener("mouseover", (e) => {
      const g = e.target.closest("g");
      if (g) info.textContent = describe(Number(g.dataset.id));
    });
    box.addEventListener("mouseleave", () => { info.textContent = hint; });
    box.addEventListener("click", (e) => {
      const g = e.target.closest("g");
      if (!g) return;
      const i = Number(g.dataset.id);
      zoom = i === zoom && i !== 0 ? parent[i] : i;
      drawFlame();
    });
    document.getElementById("flame-reset").addEventListener("click", () => {
      zoom = 0;
      targets = null;
      drawFlame();
    });
    let timer = 0;
    window.addEventListener("resize", () => {
      clearTimeout(timer);
      timer = setTimeout(drawFlame, 150);
    });
    drawFlame();
  }

  function start() {
    try {
      load();
      initTimeline();
      initFlame();
      initTree();
      initSuspects();
      body.setAttribute("data-state", errors.length ? "failed" : "ready");
    } catch (e) {
      fail(e && e.stack ? e.stack : e);
      body.setAttribute("data-state", "failed");
    }
  }
