import { escapeHtml, type Language } from '../i18n.ts';

export const styles = `
  :root { font-family: system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1b2a3a; }
  body { margin: 0; background: #f3f6f9; }
  header { background: #0b4f8a; color: white; padding: .8rem 1rem; display: flex;
    justify-content: space-between; align-items: center; gap: 1rem; flex-wrap: wrap; }
  header a, header button { color: white; background: none; border: 1px solid #fff6;
    border-radius: .3rem; padding: .3rem .6rem; font: inherit; text-decoration: none; }
  main { padding: 1rem; max-width: 64rem; margin: 0 auto; }
  .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .8rem; }
  .card { background: white; border-radius: .5rem; padding: .8rem; box-shadow: 0 1px 3px #0002; }
  .card .label { font-size: .85rem; color: #556; }
  .card .value { font-size: 1.6rem; font-weight: 600; margin-top: .2rem; }
  table { border-collapse: collapse; width: 100%; background: white; margin-top: 1rem; }
  th, td { padding: .4rem .6rem; border-bottom: 1px solid #e3e8ee; text-align: left; }
  form.login { max-width: 22rem; margin: 3rem auto; background: white; padding: 1.5rem;
    border-radius: .5rem; display: grid; gap: .8rem; }
  input, button.primary { font: inherit; padding: .5rem; border-radius: .3rem; border: 1px solid #bcc; }
  button.primary { background: #0b4f8a; color: white; border: none; }
  .error { color: #a11; }
  .synthetic { background: #fff3cd; color: #7a5b00; padding: .1rem .4rem; border-radius: .3rem; }
`;

export function page(language: Language, title: string, body: string, script?: string): string {
  const scriptTag = script ? `<script src="/assets/${script}" defer></script>` : '';
  return `<!doctype html>
<html lang="${language === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/assets/style.css">
${scriptTag}
</head>
<body>
${body}
</body>
</html>`;
}
