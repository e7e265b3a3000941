// segclf label: the browser half of the labeling tool.
// The page is shown in a sandboxed iframe where no script runs; this script (the tool's
// own document, same origin) reaches into it to outline blocks and handle the mouse and
// keys. Every label change is POSTed at once and the server writes the labeled file.
"use strict";

const KEYS = { b: "body", n: "nav", e: "error", a: "ad" };
const DRAG_PIXELS = 5;

const state = {
  pages: [],
  index: 0,
  data: null,
  labels: [],
  reviewed: new Set(),
  selected: new Set(),
  checkCursor: -1,
  display: new Map(), // block -> elements outlined on the page
  pieces: new Map(), // block -> its text pieces (for drags)
  hidden: [],
  sequence: 0,
  writes: Promise.resolve(),
};

const $ = (id) => document.getElementById(id);
const frame = () => $("page");
const doc = () => frame().contentDocument;

function setStatus(text, isError = false) {
  const status = $("status");
  status.textContent = text;
  status.classList.toggle("error", isError);
}

async function getJSON(url) {
  const response = await fetch(url, { cache: "no-store" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

// ---- pages -------------------------------------------------------------------------

async function loadPages() {
  const listing = await getJSON("/api/pages");
  state.pages = listing.pages;
  const select = $("page-list");
  select.replaceChildren(
    ...state.pages.map((page) => {
      const option = document.createElement("option");
      option.value = page.index;
      option.textContent = `${page.index + 1}. ${page.name} (${page.review})`;
      return option;
    })
  );
}

function updatePageListEntry(index, review) {
  const page = state.pages[index];
  if (!page) return;
  page.review = review;
  const option = $("page-list").options[index];
  if (option) option.textContent = `${index + 1}. ${page.name} (${review})`;
}

async function openPage(index) {
  if (index < 0 || index >= state.pages.length) {
    setStatus(index < 0 ? "this is the first page" : "this is the last page");
    return;
  }
  document.body.dataset.ready = "false";
  await state.writes; // the last change of the page we leave is written first
  setStatus("opening…");
  let data;
  try {
    data = await getJSON(`/api/pages/${index}`);
  } catch (error) {
    setStatus(`cannot open ${state.pages[index].name}: ${error.message}`, true);
    document.body.dataset.ready = "true"; // still on the page that was open
    return;
  }
  state.index = index;
  state.data = data;
  state.labels = state.data.blocks.map((block) => block.label);
  state.reviewed = new Set();
  state.selected = new Set();
  state.checkCursor = -1;
  $("page-list").value = String(index);
  $("page-name").textContent = `${state.data.name} (${index + 1} / ${state.data.pages})`;
  document.title = `segclf label: ${state.data.name}`;
  const url = new URL(location.href);
  url.searchParams.set("page", index);
  history.replaceState(null, "", url);
  frame().addEventListener("load", onFrameLoad, { once: true });
  frame().src = `/view/${index}`;
}

function onFrameLoad() {
  const page = doc();
  state.display = new Map();
  state.pieces = new Map();
  for (const piece of page.querySelectorAll("segclf-t[data-b]")) {
    const block = Number(piece.dataset.b);
    if (!state.pieces.has(block)) state.pieces.set(block, []);
    state.pieces.get(block).push(piece);
  }
  for (const owner of page.querySelectorAll("[data-segclf-block]")) {
    state.display.set(Number(owner.getAttribute("data-segclf-block")), [owner]);
  }
  for (const [block, pieces] of state.pieces) {
    if (!state.display.has(block)) state.display.set(block, pieces);
  }
  state.hidden = state.data.blocks.map((b) => b.index).filter((i) => !isVisible(i));
  for (const block of state.data.blocks) paint(block.index);
  page.addEventListener("mousedown", onMouseDown, true);
  page.addEventListener("click", (event) => event.preventDefault(), true);
  page.addEventListener("submit", (event) => event.preventDefault(), true);
  page.addEventListener("keydown", onKey, true);
  renderPanel();
  const fromFile = state.data.blocks.some((block) => block.gold);
  if (state.data.review !== "new") setStatus(`labels from ${state.data.target} (${state.data.review})`);
  else if (fromFile) setStatus("labels from the page itself; a change writes it to the output folder");
  else setStatus("not labeled yet: the colours are the model's predictions");
  document.body.dataset.ready = "true";
  nextToCheck(1);
}

function isVisible(block) {
  return (state.display.get(block) || []).some((element) =>
    Array.from(element.getClientRects()).some((rect) => rect.width > 0 && rect.height > 0)
  );
}

// ---- painting ----------------------------------------------------------------------

function paint(block) {
  const info = state.data.blocks[block];
  const label = state.labels[block];
  const toCheck = state.data.check_first.includes(block) && !state.reviewed.has(block);
  const title = `${label} — model: ${info.predicted} ${Math.round(info.probability * 100)}%`;
  for (const element of state.display.get(block) || []) {
    element.setAttribute("data-segclf-label", label);
    element.toggleAttribute("data-segclf-check", toCheck);
    element.toggleAttribute("data-segclf-selected", state.selected.has(block));
    element.setAttribute("title", title);
  }
}

function blockItem(block) {
  const info = state.data.blocks[block];
  const item = document.createElement("li");
  item.dataset.block = block;
  item.dataset.label = state.labels[block];
  item.classList.toggle("reviewed", state.reviewed.has(block));
  item.classList.toggle("selected", state.selected.has(block));
  const prob = document.createElement("span");
  prob.className = "prob";
  prob.textContent = `${info.predicted} ${Math.round(info.probability * 100)}%`;
  item.append(prob, document.createTextNode(info.text.slice(0, 80)));
  item.title = info.text;
  item.addEventListener("click", (event) => select([block], event.shiftKey, true));
  return item;
}

function renderPanel() {
  const counts = { body: 0, nav: 0, error: 0, ad: 0 };
  for (const label of state.labels) counts[label] += 1;
  for (const key of document.querySelectorAll("#legend .key")) {
    key.querySelector(".count").textContent = counts[key.dataset.label];
  }
  const check = state.data.check_first;
  $("check-count").textContent = `(${check.filter((b) => !state.reviewed.has(b)).length} of ${check.length} left)`;
  $("check-list").replaceChildren(...check.map(blockItem));
  $("hidden-count").textContent = `(${state.hidden.length})`;
  $("hidden-list").replaceChildren(...state.hidden.map(blockItem));
  $("hidden").hidden = state.hidden.length === 0;
  renderSelection();
}

function renderSelection() {
  const info = $("selection-info");
  const selected = [...state.selected];
  if (selected.length === 0) {
    info.textContent = "Click a block, or drag over several.";
    return;
  }
  if (selected.length > 1) {
    info.textContent = `${selected.length} blocks selected.`;
    return;
  }
  const block = state.data.blocks[selected[0]];
  info.replaceChildren();
  const head = document.createElement("div");
  head.textContent = `#${block.index}: ${state.labels[block.index]} (model: ${block.predicted}, ${Math.round(
    block.probability * 100
  )}%)` + (block.gold ? `; in the file: ${block.gold}` : "");
  const bar = document.createElement("div");
  bar.className = "bar";
  for (const label of state.data.labels) {
    const part = document.createElement("span");
    part.style.width = `${block.probabilities[label] * 100}%`;
    part.style.background = `var(--${label})`;
    part.title = `${label} ${Math.round(block.probabilities[label] * 100)}%`;
    bar.append(part);
  }
  const text = document.createElement("div");
  text.textContent = block.text;
  info.append(head, bar, text);
}

// ---- selection ---------------------------------------------------------------------

function select(blocks, add = false, scroll = false) {
  const before = [...state.selected];
  if (!add) state.selected = new Set();
  for (const block of blocks) {
    if (add && state.selected.has(block)) state.selected.delete(block);
    else state.selected.add(block);
  }
  for (const block of new Set([...before, ...blocks])) paint(block);
  for (const item of document.querySelectorAll("#panel li")) {
    item.classList.toggle("selected", state.selected.has(Number(item.dataset.block)));
  }
  renderSelection();
  if (scroll && blocks.length) {
    const element = (state.display.get(blocks[0]) || [])[0];
    if (element) element.scrollIntoView({ block: "center", inline: "nearest" });
  }
}

function blockAt(target) {
  if (!target || !target.closest) return null;
  const piece = target.closest("segclf-t[data-b]");
  if (piece) return Number(piece.dataset.b);
  const owner = target.closest("[data-segclf-block]");
  return owner ? Number(owner.getAttribute("data-segclf-block")) : null;
}

function onMouseDown(event) {
  if (event.button !== 0) return;
  event.preventDefault();
  const page = doc();
  const start = { x: event.pageX, y: event.pageY };
  let box = null;
  const move = (e) => {
    const dx = e.pageX - start.x;
    const dy = e.pageY - start.y;
    if (!box && Math.hypot(dx, dy) < DRAG_PIXELS) return;
    if (!box) {
      box = page.createElement("segclf-drag");
      box.className = "segclf-drag-rect";
      page.body.append(box);
    }
    box.style.left = `${Math.min(start.x, e.pageX)}px`;
    box.style.top = `${Math.min(start.y, e.pageY)}px`;
    box.style.width = `${Math.abs(dx)}px`;
    box.style.height = `${Math.abs(dy)}px`;
    box.style.display = "block";
  };
  const up = (e) => {
    page.removeEventListener("mousemove", move, true);
    page.removeEventListener("mouseup", up, true);
    const add = e.shiftKey || e.ctrlKey || e.metaKey;
    if (box) {
      const area = box.getBoundingClientRect();
      box.remove();
      select(blocksIn(area), add);
    } else {
      const block = blockAt(e.target);
      if (block === null) select([], false);
      else select([block], add);
    }
  };
  page.addEventListener("mousemove", move, true);
  page.addEventListener("mouseup", up, true);
}

function blocksIn(area) {
  // A block is in the dragged box when any of its text is: whole boxes of containers
  // would select far more than the person dragged over.
  const inside = [];
  for (const [block, display] of state.display) {
    const pieces = state.pieces.get(block) || display;
    const hit = pieces.some((piece) =>
      Array.from(piece.getClientRects()).some(
        (r) => r.width > 0 && r.right >= area.left && r.left <= area.right && r.bottom >= area.top && r.top <= area.bottom
      )
    );
    if (hit) inside.push(block);
  }
  return inside;
}

function nextToCheck(step) {
  const check = state.data.check_first.filter((block) => !state.reviewed.has(block) || state.selected.has(block));
  if (check.length === 0) return false;
  const current = check.findIndex((block) => state.selected.has(block));
  let position = current === -1 ? (step > 0 ? 0 : check.length - 1) : current + step;
  position = (position + check.length) % check.length;
  select([check[position]], false, true);
  return true;
}

// ---- labels and writes -------------------------------------------------------------

function setLabel(label) {
  const blocks = [...state.selected];
  if (blocks.length === 0) {
    setStatus("select a block first (click it, or drag over several)", true);
    return;
  }
  const wasChecking = blocks.length === 1 && state.data.check_first.includes(blocks[0]);
  for (const block of blocks) {
    state.labels[block] = label;
    state.reviewed.add(block);
    paint(block);
  }
  renderPanel();
  write("draft");
  if (wasChecking) nextToCheck(1);
}

function keep() {
  const blocks = [...state.selected];
  for (const block of blocks) {
    state.reviewed.add(block);
    paint(block);
  }
  renderPanel();
  nextToCheck(1);
}

function write(review) {
  // Increasing across reloads of the tool too: the server ignores a change older than one it wrote.
  state.sequence = Math.max(state.sequence + 1, Date.now() * 1000);
  const body = JSON.stringify({ labels: state.labels.slice(), review, sequence: state.sequence });
  const index = state.index;
  state.writes = state.writes
    .then(async () => {
      const response = await fetch(`/api/pages/${index}/labels`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body,
      });
      const result = await response.json();
      if (!response.ok) throw new Error(result.error || response.statusText);
      if (result.written) {
        updatePageListEntry(index, result.review);
        if (state.data && state.index === index) state.data.review = result.review;
        setStatus(`${result.review === "done" ? "saved" : "written"} ${new Date().toLocaleTimeString()}: ${result.target}`);
      }
    })
    .catch((error) => setStatus(`NOT saved: ${error.message}`, true));
  return state.writes;
}

function onKey(event) {
  if (event.target && ["INPUT", "SELECT", "TEXTAREA"].includes(event.target.tagName) && event.target.ownerDocument === document) return;
  const key = event.key.toLowerCase();
  if ((event.ctrlKey || event.metaKey) && key === "s") {
    event.preventDefault();
    write("done");
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (KEYS[key]) {
    event.preventDefault();
    setLabel(KEYS[key]);
  } else if (event.key === "Tab") {
    event.preventDefault();
    nextToCheck(event.shiftKey ? -1 : 1);
  } else if (event.key === " " || event.key === "Enter") {
    event.preventDefault();
    keep();
  } else if (event.key === "Escape") {
    select([], false);
  }
}

// ---- start -------------------------------------------------------------------------

async function start() {
  // Buttons give the focus back at once: Space and the label keys are the tool's, not the button's.
  const button = (id, action) =>
    $(id).addEventListener("click", (event) => {
      event.currentTarget.blur();
      action();
    });
  button("prev", () => openPage(state.index - 1));
  button("next", () => openPage(state.index + 1));
  button("save", () => write("done"));
  $("page-list").addEventListener("change", (event) => {
    event.target.blur(); // the keys label blocks again, not pick pages
    openPage(Number(event.target.value));
  });
  document.addEventListener("keydown", onKey, true);
  try {
    await loadPages();
    if (state.pages.length === 0) {
      setStatus("no pages to label", true);
      return;
    }
    const wanted = Number(new URL(location.href).searchParams.get("page") || 0);
    await openPage(Number.isInteger(wanted) && wanted < state.pages.length ? wanted : 0);
  } catch (error) {
    setStatus(`cannot open: ${error.message}`, true);
  }
}

start();
