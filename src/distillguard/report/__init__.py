"""The analyst's report (one self-contained HTML page) and `explain` for one account.

What the report shows of the traffic is chosen for privacy (README, "Privacy"): example
prompts and template texts only from accounts whose verdict is ``distillation`` unless asked
otherwise, personal data in them masked (:mod:`distillguard.report.privacy`), payment
instruments and e-mail domains named by keyed hashes.
"""

from __future__ import annotations

import html
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from distillguard.engines.base import Engine
from distillguard.errors import DistillguardError
from distillguard.findings import Findings
from distillguard.report.privacy import KEYED_KINDS, keyed_name, mask
from distillguard.report.terminal import printable

PROMPT_PREVIEW_CHARS = 280
SYSTEM_PREVIEW_CHARS = 160
TEMPLATE_PREVIEW_CHARS = 140
# whose example prompts the report shows: accounts at verdict distillation, every account, none
REPORT_PROMPTS = ("distillation", "all", "none")
_PALETTE = ("#c0392b", "#2471a3", "#d68910", "#7d3c98", "#138d75", "#a04000", "#2e4053", "#b03a2e")


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _preview(text: str | None, limit: int) -> str:
    """The first ``limit`` characters of ``text`` with personal data masked. Masking runs over
    a window well past the cut, so a value that straddles the cut is masked whole, not shown
    in part; masking never shrinks a window to under ``limit``."""
    text = text or ""
    shown = mask(text[: limit * 4 + 256])[:limit]
    return shown + ("…" if len(text) > limit else "")


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _timeline_svg(series: dict[str, list[tuple[datetime, int]]], width: int = 900, height: int = 220) -> str:
    """Exchanges per hour for each campaign as lines on one time axis, as inline SVG."""
    points = [point for values in series.values() for point in values]
    if not points:
        return "<p class='muted'>No campaign traffic to chart.</p>"
    start = min(t for t, _ in points).timestamp()
    end = max(t for t, _ in points).timestamp()
    span = max(end - start, 3600.0)
    peak = max(n for _, n in points) or 1
    left, bottom, top = 50, height - 30, 10
    right = width - 10
    parts = [f"<svg viewBox='0 0 {width} {height}' role='img' aria-label='exchanges per hour by campaign'>"]
    for fraction in (0, 0.5, 1):
        y = bottom - fraction * (bottom - top)
        parts.append(f"<line x1='{left}' x2='{right}' y1='{y:.1f}' y2='{y:.1f}' class='grid'/>")
        parts.append(
            f"<text x='{left - 6}' y='{y + 4:.1f}' class='axis' text-anchor='end'>{int(peak * fraction):,}</text>"
        )
    for fraction, anchor in ((0, "start"), (0.25, "middle"), (0.5, "middle"), (0.75, "middle"), (1, "end")):
        x = left + fraction * (right - left)
        label = datetime.fromtimestamp(start + fraction * span, UTC).strftime("%m-%d %H:%M")
        parts.append(f"<text x='{x:.1f}' y='{height - 10}' class='axis' text-anchor='{anchor}'>{label}</text>")
    for index, (name, values) in enumerate(series.items()):
        coordinates = " ".join(
            f"{left + (t.timestamp() - start) / span * (right - left):.1f},{bottom - n / peak * (bottom - top):.1f}"
            for t, n in sorted(values)
        )
        colour = _PALETTE[index % len(_PALETTE)]
        parts.append(
            f"<polyline points='{coordinates}' fill='none' stroke='{colour}' stroke-width='1.5'>"
            f"<title>{_e(name)}</title></polyline>"
        )
    parts.append("</svg>")
    legend = " ".join(
        f"<span class='key'><i style='background:{_PALETTE[i % len(_PALETTE)]}'></i>{_e(name)}</span>"
        for i, name in enumerate(series)
    )
    return "".join(parts) + f"<div class='legend'>{legend}</div>"


def write_report(
    folder: Path,
    findings: Findings,
    engine: Engine,
    exchanges: str,
    joined: str,
    top_campaigns: int = 8,
    top_accounts: int = 60,
    *,
    prompts: str = "distillation",
    key: bytes | None = None,
) -> Path:
    """Write ``report.html`` into ``folder``: the findings, with example prompts and the hourly
    timeline read through ``engine`` from the relations ``exchanges`` and ``joined`` (exchanges
    with their signals) the scan used.

    ``prompts`` says whose example prompts and template texts are shown: members of the
    campaign whose verdict is ``distillation`` (the default), every member (``all``), or
    nobody (``none``); personal data in them is masked either way. ``key`` (the workspace's
    :meth:`~distillguard.workspace.Workspace.secret_key`) keys the hashes that name payment
    instruments and e-mail domains; without one, a key made for this report alone is used.
    """
    if prompts not in REPORT_PROMPTS:
        raise DistillguardError(f"unknown report prompts {prompts!r}", hint=f"one of: {', '.join(REPORT_PROMPTS)}")
    key = key or secrets.token_bytes(32)
    accounts = findings.accounts
    campaigns = findings.campaigns.to_pylist()
    shown = campaigns[:top_campaigns]
    # the accounts whose traffic may be quoted, with their campaign
    quotable = findings.members()
    if prompts == "distillation":
        at_distillation = accounts.filter(pc.equal(accounts.column("verdict"), "distillation")).column("account_id")
        quotable = quotable.filter(pc.is_in(quotable.column("account_id"), value_set=at_distillation))
    elif prompts == "none":
        quotable = quotable.slice(0, 0)
    examples: dict[str, dict] = {}
    wanted = [i for c in shown for i in c["example_exchange_ids"]]
    if wanted and quotable.num_rows:
        listed = engine.register_arrow("wanted_examples", pa.table({"exchange_id": wanted}))
        allowed = engine.register_arrow("quotable_accounts", quotable)
        for row in engine.table(
            "SELECT e.exchange_id, e.account_id, e.ts, e.model, e.system, e.prompt "
            f"FROM {exchanges} e JOIN {listed} w ON w.exchange_id = e.exchange_id "
            f"WHERE e.account_id IN (SELECT account_id FROM {allowed})"
        ).to_pylist():
            examples[row["exchange_id"]] = row
    # one example opening per template indicator, so the analyst reads the template, not a hash;
    # taken from a quotable member of the campaign that shares it
    template_texts: dict[tuple[str, str], str] = {}
    pairs = sorted({(c["campaign_id"], i["value"]) for c in shown for i in c["indicators"] if i["kind"] == "template"})
    if pairs and quotable.num_rows:
        listed = engine.register_arrow(
            "wanted_templates",
            pa.table({"campaign_id": [c for c, _ in pairs], "template_key": [t for _, t in pairs]}),
        )
        allowed = engine.register_arrow("quotable_members", quotable)
        for row in engine.table(
            "SELECT campaign_id, template_key, text FROM (SELECT w.campaign_id, j.template_key, "
            "concat_ws(' ⏎ ', e.system, e.prompt) AS text, row_number() OVER "
            "(PARTITION BY w.campaign_id, j.template_key ORDER BY j.exchange_id) AS rank "
            f"FROM {joined} j JOIN {listed} w ON w.template_key = j.template_key "
            f"JOIN {allowed} q ON q.account_id = j.account_id AND q.campaign_id = w.campaign_id "
            f"JOIN {exchanges} e ON e.exchange_id = j.exchange_id WHERE j.turn = 0) WHERE rank = 1"
        ).to_pylist():
            template_texts[(row["campaign_id"], row["template_key"])] = _preview(row["text"], TEMPLATE_PREVIEW_CHARS)
    series: dict[str, list[tuple[datetime, int]]] = {c["campaign_id"]: [] for c in shown}  # by risk, as listed
    if shown:
        members = engine.register_arrow(
            "shown_members",
            findings.members().filter(
                pc.is_in(findings.members().column("campaign_id"), value_set=pa.array(list(series)))
            ),
        )
        hour = "date_trunc('hour', j.ts)"
        for row in engine.table(
            f"SELECT m.campaign_id, {hour} AS hour, count(*) AS n FROM {joined} j "
            f"JOIN {members} m ON m.account_id = j.account_id GROUP BY m.campaign_id, {hour} ORDER BY hour"
        ).to_pylist():
            series[row["campaign_id"]].append((row["hour"], row["n"]))
    run = findings.run
    flagged = accounts.filter(pc.not_equal(accounts.column("verdict"), "benign"))
    body = [
        "<header><h1>distillguard findings</h1>",
        f"<p class='muted'>scanned {run.get('scanned_at', '')[:19]} · distillguard {_e(run.get('distillguard'))} · "
        f"{run.get('input', {}).get('exchanges_scanned', 0):,} exchanges · {accounts.num_rows:,} accounts · "
        f"{run.get('input', {}).get('quarantined', 0):,} records in quarantine</p>",
        f"<p class='muted'>{_e(_PROMPTS_NOTE[prompts])} Personal data in what is shown (e-mail and IP "
        "addresses, phone and card numbers) is masked; payment instruments and e-mail domains are named by "
        "keyed hashes (<code>pay:…</code>), the same in every report of this workspace.</p></header>",
        "<section class='cards'>",
        _card("campaigns", len(campaigns)),
        _card(
            "accounts flagged distillation",
            int(sum(v == "distillation" for v in accounts.column("verdict").to_pylist())),
        ),
        _card("accounts suspicious", int(sum(v == "suspicious" for v in accounts.column("verdict").to_pylist()))),
        _card("exchanges in campaigns", sum(c["exchanges"] for c in campaigns)),
        "</section>",
        "<section><h2>Campaign traffic over time</h2>",
        _timeline_svg(series),
        "</section>",
        "<section><h2>Campaigns, by risk</h2>",
    ]
    if not campaigns:
        body.append("<p>No campaign was found. Accounts flagged on their own are listed below.</p>")
    for campaign in campaigns[:top_campaigns]:
        body.append(_campaign_section(campaign, examples, template_texts, key, prompts))
    if len(campaigns) > top_campaigns:
        body.append(
            f"<p class='muted'>{len(campaigns) - top_campaigns} smaller campaigns are in campaigns.parquet.</p>"
        )
    body.append("</section><section><h2>Flagged accounts</h2>")
    body.append(_accounts_table(flagged.slice(0, top_accounts).to_pylist()))
    if flagged.num_rows > top_accounts:
        body.append(
            f"<p class='muted'>{flagged.num_rows - top_accounts:,} more in accounts.parquet; "
            "<code>distillguard explain ACCOUNT</code> prints any account's case.</p>"
        )
    body.append("</section>")
    page = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>distillguard findings</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{_CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>"
    )
    path = folder / "report.html"
    partial = folder / "report.html.tmp"
    partial.write_text(page, encoding="utf-8")
    partial.replace(path)
    return path


def _card(label: str, value: int) -> str:
    return f"<div class='card'><b>{value:,}</b><span>{_e(label)}</span></div>"


_PROMPTS_NOTE = {
    "distillation": "Example prompts come only from accounts at verdict distillation "
    "(scan --report-prompts all shows every member's, none shows none).",
    "all": "Example prompts come from every member of a campaign, whatever its verdict (scan --report-prompts all).",
    "none": "No prompt is shown (scan --report-prompts none).",
}


def _indicator_value(item: dict, key: bytes) -> str:
    """What the report shows of an indicator: a keyed name for payment instruments and e-mail
    domains, the value itself (cut) for templates, networks and sign-up bursts."""
    if item["kind"] in KEYED_KINDS:
        return keyed_name(key, item["kind"], item["value"])
    return str(item["value"])[:90]


def _campaign_section(
    campaign: dict,
    examples: dict[str, dict],
    template_texts: dict[tuple[str, str], str],
    key: bytes,
    prompts: str,
) -> str:
    risk = campaign["risk"]
    campaign_id = campaign["campaign_id"]
    focus = "".join(
        f"<li><span class='bar' style='width:{item['share'] * 100:.0f}%'></span>{_e(item['capability'])} "
        f"{item['share']:.0%}</li>"
        for item in campaign["capabilities"]
    )
    indicators = "".join(
        f"<tr><td>{_e(item['kind'])}</td><td><code>{_e(_indicator_value(item, key))}</code>"
        + (
            f"<div class='muted'>{_e(template_texts[(campaign_id, item['value'])])}</div>"
            if (campaign_id, item["value"]) in template_texts
            else ""
        )
        + f"</td><td>{item['accounts']:,}</td></tr>"
        for item in campaign["indicators"]
    )
    shown: list[str] = []
    for exchange_id in campaign["example_exchange_ids"]:
        example = examples.get(exchange_id)
        if not example or len(shown) == 3:
            continue
        system = (
            f"<div class='system'>system: {_e(_preview(example['system'], SYSTEM_PREVIEW_CHARS))}</div>"
            if example["system"]
            else ""
        )
        shown.append(
            f"<blockquote><div class='muted'>{_e(example['account_id'])} · {_e(example['model'])} · "
            f"{_when(example['ts'])}</div>{system}<div>{_e(_preview(example['prompt'], PROMPT_PREVIEW_CHARS))}</div>"
            "</blockquote>"
        )
    withheld = {
        "distillation": "none from an account at verdict distillation",
        "all": "none",
        "none": "not shown (scan --report-prompts none)",
    }[prompts]
    members = campaign["accounts"]
    listed = ", ".join(f"<code>{_e(a)}</code>" for a in members[:30])
    more = f" and {len(members) - 30:,} more" if len(members) > 30 else ""
    return (
        f"<article class='campaign'><h3><span class='risk' style='--r:{risk}'>{risk:.2f}</span> "
        f"{_e(campaign['campaign_id'])}</h3><p>{_e(campaign['summary'])}</p>"
        f"<p class='muted'>{_when(campaign['first_seen'])} → {_when(campaign['last_seen'])}</p>"
        f"<div class='cols'><div><h4>Capability focus</h4><ul class='focus'>{focus}</ul></div>"
        f"<div><h4>Shared indicators</h4><table><tr><th>kind</th><th>value</th><th>accounts</th></tr>{indicators}"
        f"</table></div></div><h4>Example prompts</h4>{''.join(shown) or f'<p class=muted>{withheld}</p>'}"
        f"<details><summary>{len(members):,} member accounts</summary><p>{listed}{more}</p></details></article>"
    )


def _accounts_table(rows: list[dict]) -> str:
    if not rows:
        return "<p>No account was flagged.</p>"
    lines = [
        "<table class='accounts'><tr><th>account</th><th>risk</th><th>verdict</th><th>campaign</th>"
        "<th>exchanges</th><th>why</th></tr>"
    ]
    for row in rows:
        reasons = row["reasons"]
        shown = [r for r in reasons if r["weight"] >= 0][:4] + [r for r in reasons if r["weight"] < 0]
        why = "".join(
            f"<li class='against'>against: {_e(r['detail'])}</li>" if r["weight"] < 0 else f"<li>{_e(r['detail'])}</li>"
            for r in shown
        )
        lines.append(
            f"<tr><td><code>{_e(row['account_id'])}</code></td><td>{row['risk']:.2f}</td>"
            f"<td class='{row['verdict']}'>{row['verdict']}</td><td>{_e(row['campaign_id'] or '')}</td>"
            f"<td>{row['exchanges']:,}</td><td><ul>{why}</ul></td></tr>"
        )
    lines.append("</table>")
    return "".join(lines)


def explain_account(findings: Findings, account_id: str) -> str:
    """One account's case as plain text: verdict, risk, reasons, campaign."""
    row = findings.account(account_id)
    if row is None:
        raise DistillguardError(f"account {printable(account_id)!r} is not in these findings")
    # every value is made printable: one line each, whatever the logs put in an account id
    show = printable
    lines = [
        f"account {show(row['account_id'])}: {row['verdict']} (risk {row['risk']:.2f}; "
        f"on its own {row['own_risk']:.2f})",
        f"  {row['exchanges']:,} exchanges, {_when(row['first_seen'])} → {_when(row['last_seen'])}",
    ]
    if row["campaign_id"]:
        campaign = findings.campaign(row["campaign_id"])
        if campaign:
            lines.append(
                f"  campaign {show(row['campaign_id'])} (risk {campaign['risk']:.2f}): {show(campaign['summary'])}"
            )
        lines += _attribution_lines(findings, account_id)
    lines.append("  reasons:")
    for reason in row["reasons"] or [{"signal": "-", "value": 0, "weight": 0, "detail": "no evidence"}]:
        lines.append(
            f"    {reason['weight']:+.2f}  {show(reason['signal'])} = {reason['value']:.3g}: {show(reason['detail'])}"
        )
    return "\n".join(lines)


def _attribution_lines(findings: Findings, account_id: str, limit: int = 5) -> list[str]:
    """Which of a member's API keys and end users carry its campaign's traffic."""
    if findings.attribution is None:
        return []
    table = findings.attribution
    rows = table.filter(pc.equal(table.column("account_id"), account_id)).to_pylist()
    if not rows:
        return []
    total = sum(r["exchanges"] for r in rows)
    campaign = sum(r["campaign_exchanges"] for r in rows)
    lines = [f"  campaign traffic: {campaign:,} of its {total:,} exchanges ({campaign / max(total, 1):.0%})"]
    for column, label in (("api_key_id", "API key"), ("end_user_id", "end user")):
        totals: dict[str, list[int]] = {}
        for r in rows:
            key = r[column] if r[column] is not None else "(none)"
            counts = totals.setdefault(key, [0, 0])
            counts[0] += r["exchanges"]
            counts[1] += r["campaign_exchanges"]
        if len(totals) < 2 and "(none)" in totals:
            continue
        ranked = sorted(totals.items(), key=lambda item: (-item[1][1], item[0]))[:limit]
        shown = ", ".join(f"{printable(key)} {c / max(n, 1):.0%} of {n:,}" for key, (n, c) in ranked)
        lines.append(f"    by {label} (campaign share): {shown}")
    return lines


_CSS = """
:root{--fg:#1c2833;--muted:#6c7a89;--line:#e5e8eb;--bg:#fbfcfc;--accent:#c0392b}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,
"Segoe UI",Roboto,sans-serif}main{max-width:1100px;margin:0 auto;padding:24px}
h1{margin:0 0 4px;font-size:24px}h2{margin:32px 0 12px;font-size:18px;border-bottom:1px solid var(--line);
padding-bottom:6px}h3{margin:0 0 6px;font-size:16px}h4{margin:12px 0 6px;font-size:13px;text-transform:uppercase;
letter-spacing:.04em;color:var(--muted)}.muted{color:var(--muted)}code{font:12px ui-monospace,Menlo,monospace}
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px;margin-top:16px}.card{background:#fff;
border:1px solid var(--line);border-radius:8px;padding:12px}.card b{display:block;font-size:26px}
.card span{color:var(--muted)}.campaign{background:#fff;border:1px solid var(--line);border-radius:8px;
padding:16px;margin-bottom:16px}.risk{display:inline-block;min-width:44px;text-align:center;color:#fff;
border-radius:4px;padding:1px 6px;background:hsl(calc(120 - var(--r) * 120) 60% 40%)}.cols{display:grid;
grid-template-columns:1fr 1.4fr;gap:20px}.focus{list-style:none;padding:0;margin:0}.focus li{position:relative;
padding:2px 6px;margin:2px 0;isolation:isolate}.focus .bar{position:absolute;left:0;top:0;bottom:0;
background:#fadbd8;z-index:-1}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 6px;
border-bottom:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted)}
blockquote{margin:6px 0;padding:8px 12px;background:#f4f6f7;border-left:3px solid var(--accent);
white-space:pre-wrap;word-break:break-word}.system{color:#7d3c98;font-size:12px}
.accounts ul{margin:0;padding-left:16px}.distillation{color:var(--accent);font-weight:600}
.suspicious{color:#b9770e;font-weight:600}.against{color:var(--muted)}
svg{width:100%;height:auto;background:#fff;border:1px solid var(--line);
border-radius:8px}.grid{stroke:var(--line)}.axis{font-size:10px;fill:var(--muted)}.legend{margin-top:6px}
.key{margin-right:14px}.key i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
details{margin-top:8px}summary{cursor:pointer;color:var(--muted)}
"""
