// Keeps a screen's now-serving list current; shows the idle text when nobody is called.
const root = document.querySelector('main.player');
const screen = root.dataset.screen;
const list = root.querySelector('[data-figure="nowServing"]');
const idle = root.querySelector('[data-figure="idle"]');
const waiting = root.querySelector('[data-figure="waiting"]');

async function refresh() {
  const response = await fetch(`/api/player/${encodeURIComponent(screen)}/state`);
  if (!response.ok) return;

  const state = await response.json();
  list.replaceChildren(...state.nowServing.map((entry) => {
    const item = document.createElement('li');
    item.textContent = `${entry.number} → ${list.dataset.counterLabel} ${entry.counter}`;
    return item;
  }));
  idle.hidden = state.nowServing.length > 0;
  waiting.textContent = String(state.waiting.reduce((sum, entry) => sum + entry.count, 0));
}

refresh();
setInterval(refresh, 1000);
