/**
 * The explorer's browser app: hash routing over small views (views/*),
 * the chain's events from a bounded look-back of block_results
 * (`?depth=N`, 500 by default) kept current by the live feed.
 */
import { rpc } from "./api.ts";
import { h, link } from "./dom.ts";
import { EventStore } from "./events.ts";
import { depthOf, routeOfSearch } from "./format.ts";
import { connectLive } from "./live.ts";
import { NAV, parseRoute } from "./router.ts";

const main = document.getElementById("main")!;
const liveBadge = document.getElementById("live")!;
const pageQuery = new URLSearchParams(location.search);
const store = new EventStore(depthOf(pageQuery));
let rendering = 0;
let pending = false;
let ready = false;
let earliest = 1;

const render = async (onlyLive: boolean) => {
  const route = parseRoute(location.hash);
  if (onlyLive && !route.view?.live) return;
  // A deeper look-back asked for in the route: the missing blocks are read first.
  if (route.query.has("depth") && depthOf(route.query) !== store.depth) {
    const deeper = depthOf(route.query) > store.depth;
    store.depth = depthOf(route.query);
    if (deeper && ready) {
      main.replaceChildren(h("p", { class: "muted" }, `Reading the last ${store.depth} blocks…`));
      await store.fill(store.latest, earliest);
    }
  }
  const token = ++rendering;
  document.title = `${route.view?.title ?? "Not found"} · R3MES explorer`;
  for (const a of document.querySelectorAll("#nav a"))
    a.classList.toggle("active", a.getAttribute("href") === `#/${route.name}`);
  if (!route.view) {
    main.replaceChildren(h("p", {}, "No such page. ", link("", "Back to the chain")));
    return;
  }
  try {
    const node = await route.view.render({
      params: route.params,
      query: route.query,
      store,
      now: Date.now(),
    });
    if (token !== rendering) return;
    const y = window.scrollY;
    main.replaceChildren(node);
    main.dataset.height = String(store.latest);
    main.dataset.view = route.name || "home";
    main.dataset.route = location.hash || "#/";
    window.scrollTo(0, y);
  } catch (e) {
    if (token !== rendering) return;
    main.replaceChildren(
      h(
        "p",
        { class: "error" },
        `Could not load this page: ${e instanceof Error ? e.message : String(e)}`,
      ),
    );
  }
};

/** New blocks redraw a live view, one redraw at a time: blocks that come during one are drawn by the next. */
let drawing = false;
const redraw = () => {
  if (pending) return;
  pending = true;
  setTimeout(async () => {
    if (drawing) {
      pending = false;
      return void setTimeout(redraw, 300);
    }
    pending = false;
    drawing = true;
    try {
      await render(true);
    } finally {
      drawing = false;
    }
  }, 300);
};
store.onChange(redraw);

const start = async () => {
  document.getElementById("nav")!.replaceChildren(...NAV.map(([r, label]) => link(r, label)));
  const search = document.getElementById("search") as HTMLInputElement;
  search.addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    const r = routeOfSearch(search.value);
    if (r) location.hash = `#/${r}`;
    else search.classList.add("bad");
  });
  search.addEventListener("input", () => search.classList.remove("bad"));
  window.addEventListener("hashchange", () => void render(false));
  connectLive(store, (on) => {
    liveBadge.textContent = on ? "live" : "offline";
    liveBadge.classList.toggle("off", !on);
  });
  const status = await rpc("status");
  const latest = Number(status.sync_info.latest_block_height);
  earliest = Number(status.sync_info.earliest_block_height || 1);
  main.replaceChildren(h("p", { class: "muted" }, `Reading the last ${store.depth} blocks…`));
  await store.fill(latest, earliest, (done, of) => {
    if (done % 25 === 0)
      main.replaceChildren(h("p", { class: "muted" }, `Reading blocks: ${done} of ${of}…`));
  });
  ready = true;
  document.body.dataset.ready = "true";
  await render(false);
};

void start();
