import type { BranchRollout } from './rollout.ts';

const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

const escapeHtml = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (character) => entities[character] ?? character);

const colours: Record<string, string> = {
  applied: '#0a7a32',
  failed: '#b3261e',
  downloading: '#8a5a00',
  pending: '#5a6673',
  removed: '#5a6673',
};

/** The rollout of one campaign, branch by branch: a server-rendered page that refreshes. */
export function rolloutPage(rollout: {
  campaign: string;
  name: string;
  counts: Record<string, number>;
  branches: BranchRollout[];
}): string {
  const rows = rollout.branches
    .map(
      (branch) => `<tr><td>${escapeHtml(branch.branch)}</td><td>${escapeHtml(branch.version)}</td>
<td style="color:${colours[branch.state] ?? '#000'}">${escapeHtml(branch.state)}</td>
<td>${escapeHtml(branch.reason ?? '')}</td><td>${escapeHtml(branch.gateway ?? '')}</td></tr>`,
    )
    .join('\n');
  const counts = Object.entries(rollout.counts)
    .map(([state, count]) => `<li>${escapeHtml(state)}: <b>${escapeHtml(count)}</b></li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<title>Rollout of ${escapeHtml(rollout.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:1rem auto;max-width:60rem;padding:0 1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;
text-align:left}ul{display:flex;gap:1rem;list-style:none;padding:0}</style></head>
<body><h1>Rollout of ${escapeHtml(rollout.name)}</h1><ul>${counts}</ul>
<table><thead><tr><th>Branch</th><th>Version</th><th>State</th><th>Reason</th>
<th>Gateway</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>`;
}
