// The studio page: paging, copying, and following the server's updates without a reload.
"use strict";

const body = document.body;

function messageOf(el) { return el.closest(".message"); }

function showPage(message, number) {
  const pages = message.querySelectorAll(":scope > .page");
  const page = Math.max(0, Math.min(pages.length - 1, number));
  pages.forEach((p, i) => { p.hidden = i !== page; });
  message.dataset.page = String(page);
}

function keyOf(message) {
  const reply = message.closest(".reply");
  const column = message.closest(".column");
  return (reply ? reply.dataset.query : "") + "|" + (column ? column.dataset.lang : "");
}

async function copy(button) {
  const text = button.dataset.json;
  try {
    await navigator.clipboard.writeText(text);
  } catch (err) {
    // No clipboard permission (an insecure origin, a test browser): select a copy for Ctrl+C instead.
    const area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  button.classList.add("done");
  button.textContent = "Copied";
  setTimeout(() => { button.classList.remove("done"); button.textContent = "Copy as Discord API JSON"; }, 1500);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("button");
  if (!button || button.disabled) return;
  if (button.classList.contains("previous") || button.classList.contains("next")) {
    const message = messageOf(button);
    showPage(message, Number(message.dataset.page) + (button.classList.contains("next") ? 1 : -1));
  } else if (button.classList.contains("language")) {
    // In Discord this answers privately in that language; here, point at that column.
    const column = button.closest(".reply").querySelector(`.column[data-lang="${button.dataset.language}"]`);
    if (column) {
      column.classList.add("flash");
      column.scrollIntoView({ block: "nearest", behavior: "smooth" });
      setTimeout(() => column.classList.remove("flash"), 900);
    }
  } else if (button.classList.contains("copy")) {
    copy(button);
  } else if (button.classList.contains("all-pages")) {
    messageOf(button).classList.toggle("all");
  }
});

async function refresh() {
  const story = body.dataset.story;
  const response = await fetch(`/state/${encodeURIComponent(story || "-")}`, { cache: "no-store" });
  if (!response.ok) return;
  const state = await response.json();
  // Keep each message on the page the editor had turned to.
  const pages = new Map();
  document.querySelectorAll("#story .message").forEach((m) => pages.set(keyOf(m), Number(m.dataset.page)));
  document.getElementById("problems").innerHTML = state.problems;
  document.getElementById("stories").innerHTML = state.stories;
  if (story) document.getElementById("story").innerHTML = state.story;
  document.querySelectorAll("#story .message").forEach((m) => {
    const page = pages.get(keyOf(m));
    if (page) showPage(m, page);
  });
  body.dataset.version = String(state.version);
  localStamps(document);
}

// Discord shows <t:…> timestamps in the reader's own zone and language; so does the page.
const STAMP_STYLES = {
  t: { timeStyle: "short" },
  T: { timeStyle: "medium" },
  d: { dateStyle: "short" },
  D: { dateStyle: "long" },
  f: { dateStyle: "long", timeStyle: "short" },
  F: { dateStyle: "full", timeStyle: "short" },
};

function relative(date) {
  const seconds = (date.getTime() - Date.now()) / 1000;
  const units = [["year", 31536000], ["month", 2592000], ["day", 86400], ["hour", 3600], ["minute", 60]];
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) || ["second", 1];
  return new Intl.RelativeTimeFormat(undefined, { numeric: "always" }).format(Math.round(seconds / size), unit);
}

function localStamps(root) {
  root.querySelectorAll("time.stamp[data-style]").forEach((stamp) => {
    const date = new Date(stamp.getAttribute("datetime"));
    const style = stamp.dataset.style;
    stamp.textContent = style === "R" ? relative(date) : new Intl.DateTimeFormat(undefined, STAMP_STYLES[style]).format(date);
  });
}

function follow() {
  const live = document.getElementById("live");
  const events = new EventSource("/events");
  events.addEventListener("version", (event) => {
    if (event.data !== body.dataset.version) refresh();
  });
  events.onopen = () => { live.textContent = "live"; live.classList.remove("offline"); };
  events.onerror = () => { live.textContent = "reconnecting…"; live.classList.add("offline"); };
}

localStamps(document);
follow();
