// Logs of the last hours, by module and lowest level.
const { api, el, row, fill } = window.sb;
const form = document.querySelector('[data-form="logs"]');

async function show() {
  const query = new URLSearchParams();
  for (const [key, value] of new FormData(form)) if (value) query.set(key, String(value));
  const answer = await api(`/api/logs?${query}`);
  if (!answer.ok) return;
  const select = form.querySelector('[name="module"]');
  const chosen = select.value;
  select.replaceChildren(
    select.options[0],
    ...answer.body.modules.map((name) => el('option', { value: name }, name)),
  );
  select.value = chosen;
  fill(
    'lines',
    answer.body.lines
      .slice()
      .reverse()
      .map((line) =>
        row(
          new Date(line.at).toLocaleTimeString(),
          line.level,
          line.module,
          line.msg,
          el('pre', {}, JSON.stringify(line.fields)),
        ),
      ),
  );
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  show();
});
show();
