/* pp-html: the leak suspects' links. A click on a suspect's "call tree" or
   "flame graph" link, or #suspect=N (&in=flame) in the address, opens the
   path to each of its places in the call tree (the tree nodes the page
   lists for it in data.suspects, heaviest first), marks them, zooms the
   flame graph to the first one's parent and marks it there, and scrolls to
   the tree or the flame graph. Shares page.js's function scope. */

  /* The element of node i, its ancestors opened and "more" rows revealed. */
  function showNode(i) {
    const chain = [];
    for (let a = i; a > 0; a = parent[a]) chain.unshift(a);
    let box = document.getElementById("tree"), node = null;
    const child = (a) => box.querySelector(":scope > [data-id='" + a + "']");
    for (const a of chain) {
      if (node) {
        expand(node, 0);
        box = node.querySelector(":scope > .children");
      }
      node = child(a);
      while (!node) {
        const more = Array.from(box.children).find((m) => m.moreList && m.moreList.includes(a));
        if (!more) return null;
        revealMore(more);
        node = child(a);
      }
    }
    return node;
  }

  /* Opens suspect `rank`'s places (heaviest first) in the tree, marks them,
     zooms the flame graph to the first, and scrolls to the tree or the flame graph. */
  function showSuspect(rank, where) {
    const places = (data.suspects || [])[rank - 1];
    if (!places || !places.length) return;
    if (filter) {
      document.getElementById("tree-search").value = "";
      search("");
    }
    for (const row of document.querySelectorAll("#tree .row.target")) row.classList.remove("target");
    const rows = places.map(showNode).filter(Boolean).map((node) => node.querySelector(":scope > .row"));
    for (const row of rows) row.classList.add("target");
    targets = new Set(places);
    /* Its parent's view shows the leaf among its siblings, unless it is too thin there. */
    const leaf = places[0], up = Math.max(parent[leaf], 0);
    zoom = t.total[leaf] * 50 >= t.total[up] ? up : leaf;
    drawFlame();
    document.getElementById("flame-info").textContent = "Leak suspect #" + rank + ": " + describe(leaf);
    setStatus("Leak suspect #" + rank + (places.length > 1 ? ": " + places.length + " places, the heaviest first" : ""));
    const view = where === "flame" ? document.getElementById("flame-graph") : rows[0];
    if (view) view.scrollIntoView({ block: where === "flame" ? "start" : "center" });
  }

  function initSuspects() {
    const table = document.querySelector("table.suspects");
    if (table) table.addEventListener("click", (e) => {
      const link = e.target.closest("a[data-suspect]");
      if (!link) return;
      e.preventDefault();
      showSuspect(Number(link.dataset.suspect), link.dataset.in);
      try {
        history.replaceState(null, "", link.getAttribute("href"));
      } catch (ignored) { /* file:// may refuse; the suspect is shown anyway */ }
    });
    const fromAddress = () => {
      const hash = location.hash.match(/^#suspect=(\d+)(&in=flame)?$/);
      if (hash) showSuspect(Number(hash[1]), hash[2] ? "flame" : "tree");
    };
    window.addEventListener("hashchange", fromAddress);
    fromAddress();
  }
