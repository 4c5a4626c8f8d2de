// pages.mjs: browser tests of every page type in Debian's Chromium (playwright-core drives it;
// no browser is ever downloaded). Run by tests/e2e/run.sh, which starts a fresh demo server
// and sets AW_BASE_URL=http://127.0.0.1:PORT.
//
// For each page type (home, editions, the 2017 edition, a country, an activity and an
// organisation linked from the 2017 edition, help, help for a country, the 404 page):
//   - the status; every request stays on 127.0.0.1:PORT (others are blocked and reported);
//     no Content-Security-Policy violation, no script error, no failed sub-resource
//   - exactly one <h1>; <html lang>; a skip link as the first focusable element, pointing
//     at the main content and visible when focused
//   - at 375 px wide, no horizontal scrolling
//   - axe-core (WCAG 2.0/2.1 A and AA, best practices): no violation
//   - screenshots: artifacts/<name>.png (1280 px) and artifacts/<name>-375.png
// Then the help selector: choose a country in the form labelled "Your country", submit, and
// check the "country" cookie and that the country's services are shown and remembered.
// Then bidirectional text: a direction override (U+202E) at the end of an organisation name, as
// data stored before the text rule could hold it (written to AW_DB directly), must not reverse
// the "(KIND)" after the name on the activity page, nor reach the tab's title.
//
// Prints "ok N - ..." / "not ok N - ..." and closes with "N passed, M failed"; exits 1 on any
// failure.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AXE_TAGS, VIEWPORT, baseUrl, blockOffHost, check, crashed, finish, launch, onHost as onHostOf,
    recordCsp, axeErrors, screenshot } from './lib.mjs';

const MOBILE_WIDTH = 375;

const baseText = process.env.AW_BASE_URL || process.argv[2];
if (!baseText) {
    console.error('usage: AW_BASE_URL=http://127.0.0.1:PORT node pages.mjs');
    process.exit(2);
}
const BASE = baseUrl(baseText);
const ORIGIN = BASE.origin;

// Pages to visit; null paths are discovered on the 2017 edition page.
const PAGES = [
    { name: 'home', path: '/en/', status: 200 },
    { name: 'editions', path: '/en/editions', status: 200 },
    { name: 'edition', path: '/en/editions/2017', status: 200 },
    { name: 'country', path: '/en/countries/BE', status: 200 },
    { name: 'activity', path: null, prefix: '/en/activities/', status: 200 },
    { name: 'organisation', path: null, prefix: '/en/organisations/', status: 200 },
    { name: 'help', path: '/en/help', status: 200 },
    { name: 'help-country', path: '/en/help/BE', status: 200 },
    { name: 'not-found', path: '/en/no-such-page', status: 404 },
];

// The help selector: Belgium, and one of its verified services.
const COUNTRY = { code: 'BE', name: 'Belgium', service: 'Child Focus' };

// True when url stays on the server under test (data: and blob: never leave the machine).
const onHost = (url) => onHostOf(url, BASE);

// A context that records everything a page does. Requests that would leave 127.0.0.1:PORT are
// aborted (so a test run never touches the network) and reported.
async function strictContext(browser, options = {}) {
    const context = await browser.newContext({ viewport: VIEWPORT, ...options });
    context.setDefaultTimeout(15000);
    await blockOffHost(context, BASE);
    await recordCsp(context);
    return context;
}

function watch(page) {
    const seen = { requests: [], offHost: [], errors: [], badResponses: [] };
    page.on('request', (r) => {
        seen.requests.push(r.url());
        if (!onHost(r.url())) seen.offHost.push(r.url());
    });
    page.on('websocket', (ws) => seen.offHost.push(ws.url()));
    page.on('pageerror', (e) => seen.errors.push(`script error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text()))
            seen.errors.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
        if (r.request().isNavigationRequest() && r.request().frame() === page.mainFrame()) return;
        if (r.status() >= 400) seen.badResponses.push(`${r.status()} ${r.url()}`);
    });
    return seen;
}

async function discover(browser) {
    const context = await strictContext(browser);
    const page = await context.newPage();
    const found = {};
    try {
        await page.goto(`${ORIGIN}/en/editions/2017`);
        for (const p of PAGES.filter((x) => x.prefix)) {
            found[p.name] = await page.evaluate((prefix) => {
                const a = document.querySelector(`a[href^="${prefix}"]`);
                return a ? a.getAttribute('href') : null;
            }, p.prefix);
        }
    } finally {
        await context.close();
    }
    return found;
}

async function structureChecks(page, name) {
    await check(`${name}: exactly one h1`, async () => {
        const n = await page.locator('h1').count();
        return n === 1 ? [] : [`${n} h1 elements`];
    });
    await check(`${name}: html lang`, async () => {
        const lang = await page.evaluate(() => document.documentElement.getAttribute('lang'));
        return lang && /^[a-z]{2,3}(-[A-Za-z0-9]+)*$/.test(lang) ? [] : [`lang=${JSON.stringify(lang)}`];
    });
    await check(`${name}: skip link first, to the main content`, async () => {
        await page.evaluate(() => {
            if (document.activeElement && document.activeElement !== document.body)
                document.activeElement.blur();
            window.scrollTo(0, 0);
        });
        await page.keyboard.press('Tab');
        const r = await page.evaluate(() => {
            const el = document.activeElement;
            if (!el || el === document.body) return { error: 'Tab focused nothing' };
            const desc = `<${el.tagName.toLowerCase()}${el.id ? ' id=' + el.id : ''}> "${(el.textContent || '').trim().slice(0, 40)}"`;
            const href = el.getAttribute('href') || '';
            if (el.tagName !== 'A' || !href.startsWith('#') || href.length < 2)
                return { error: `first focusable element is ${desc}, not a skip link (<a href="#...">)` };
            const target = document.getElementById(decodeURIComponent(href.slice(1)));
            if (!target) return { error: `skip link ${href} points at no element` };
            const main = document.querySelector('main, [role="main"]');
            if (!main) return { error: 'no <main> element' };
            if (!(target === main || main.contains(target) || target.contains(main)))
                return { error: `skip link ${href} does not lead to <main>` };
            const box = el.getBoundingClientRect();
            if (box.width < 1 || box.height < 1 || box.right <= 0 || box.bottom <= 0 ||
                box.left >= window.innerWidth || box.top >= window.innerHeight)
                return { error: `skip link is not visible when focused (${JSON.stringify(box)})` };
            return { ok: true };
        });
        return r.error ? [r.error] : [];
    });
}

async function mobileCheck(page, name) {
    await check(`${name}: no horizontal scroll at ${MOBILE_WIDTH}px`, async () => {
        await page.evaluate(() => document.activeElement && document.activeElement.blur());
        await page.setViewportSize({ width: MOBILE_WIDTH, height: 800 });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
        const r = await page.evaluate((w) => {
            const sw = document.documentElement.scrollWidth;
            const wide = [];
            if (sw > w) {
                for (const el of document.body.querySelectorAll('*')) {
                    const b = el.getBoundingClientRect();
                    if (b.right > w + 0.5 && wide.length < 5)
                        wide.push(`<${el.tagName.toLowerCase()}${el.className ? ' class=' + el.className : ''}> right=${Math.round(b.right)}`);
                }
            }
            return { sw, wide };
        }, MOBILE_WIDTH);
        await screenshot(page, `${name}-${MOBILE_WIDTH}`);
        return r.sw <= MOBILE_WIDTH ? [] : [`scrollWidth ${r.sw} > ${MOBILE_WIDTH}`, ...r.wide];
    });
}

async function pageChecks(browser, p) {
    const url = `${ORIGIN}${p.path}`;
    const context = await strictContext(browser);
    const page = await context.newPage();
    const seen = watch(page);
    let loaded = false;
    await check(`${p.name}: ${p.path} answers ${p.status}`, async () => {
        const resp = await page.goto(url, { waitUntil: 'load' });
        if (!resp) return ['no response'];
        loaded = true;
        return resp.status() === p.status ? [] : [`status ${resp.status()}`];
    });
    if (loaded) {
        await screenshot(page, p.name);
        await structureChecks(page, p.name);
        await mobileCheck(page, p.name);
        await check(`${p.name}: no CSP violation, script error or failed resource`, async () => {
            const csp = await page.evaluate(() => window.__awCsp || []);
            return [
                ...csp.map((c) => `CSP: ${c}`),
                ...seen.errors,
                ...seen.badResponses.map((b) => `sub-resource ${b}`),
            ];
        });
    }
    await check(`${p.name}: every request stays on 127.0.0.1:${BASE.port}`, async () =>
        seen.offHost.map((u) => `request to ${u}`),
    );
    await context.close();

    // axe-core needs its script in the page, and the server's CSP (script-src 'self', no
    // 'unsafe-inline') rightly blocks the inline <script> that addScriptTag creates. This one
    // context therefore uses bypassCSP: true, which disables CSP for it only. The checks
    // above ran in a context without it, so CSP violations are still caught there.
    await check(`${p.name}: axe (${AXE_TAGS.join(', ')})`, async () => {
        const axeContext = await browser.newContext({ bypassCSP: true, viewport: VIEWPORT });
        await blockOffHost(axeContext, BASE);
        try {
            const axePage = await axeContext.newPage();
            await axePage.goto(url, { waitUntil: 'load' });
            return await axeErrors(axePage);
        } finally {
            await axeContext.close();
        }
    });
}

async function countryCheck(browser) {
    const context = await strictContext(browser);
    const page = await context.newPage();
    const seen = watch(page);
    let select = null;
    let chosen = null;

    await check(`help selector: choose ${COUNTRY.name} and submit`, async () => {
        for (const start of ['/en/', '/en/help']) {
            await page.goto(`${ORIGIN}${start}`);
            let s = page.getByLabel('Your country');
            if ((await s.count()) === 0) s = page.locator('select[name="country"]');
            if ((await s.count()) > 0) {
                select = s.first();
                break;
            }
        }
        if (!select) return ['no select labelled "Your country" (or select[name=country]) on /en/ or /en/help'];
        const errors = [];
        if ((await select.getAttribute('name')) !== 'country')
            errors.push(`the select's name is ${await select.getAttribute('name')}, expected "country"`);
        const options = await select
            .locator('option')
            .evaluateAll((os) => os.map((o) => ({ value: o.value, text: o.textContent.trim() })));
        chosen =
            options.find((o) => o.value.toUpperCase() === COUNTRY.code) ||
            options.find((o) => o.text.includes(COUNTRY.name));
        if (!chosen) return [...errors, `no option for ${COUNTRY.name} among ${options.length}`];
        const form = select.locator('xpath=ancestor::form[1]');
        if ((await form.count()) === 0) return [...errors, 'the select is not in a form'];
        const method = ((await form.getAttribute('method')) || 'get').toLowerCase();
        if (method !== 'get') errors.push(`form method is ${method}, expected get`);
        await select.selectOption(chosen.value);
        const submit = form.locator('button[type="submit"], input[type="submit"], button:not([type])').first();
        if ((await submit.count()) === 0) return [...errors, 'no submit button in the form'];
        const navigated = page.waitForEvent('framenavigated', {
            predicate: (f) => f === page.mainFrame(),
        });
        await submit.click();
        await navigated;
        await page.waitForLoadState('load');
        const text = await page.evaluate(() => document.body.innerText);
        if (!text.includes(COUNTRY.service))
            errors.push(`after submitting, ${page.url()} does not show "${COUNTRY.service}"`);
        return errors;
    });

    await check('help selector: the choice is kept in the "country" cookie', async () => {
        const cookies = await context.cookies(ORIGIN);
        const c = cookies.find((x) => x.name === 'country');
        if (!c) return [`no "country" cookie (cookies: ${cookies.map((x) => x.name).join(', ') || 'none'})`];
        const errors = [];
        if (!c.value.toUpperCase().includes(COUNTRY.code)) errors.push(`country=${c.value}`);
        if (c.path !== '/') errors.push(`cookie path ${c.path}, expected /`);
        if (c.sameSite !== 'Lax' && c.sameSite !== 'Strict') errors.push(`SameSite=${c.sameSite}`);
        return errors;
    });

    await check('help selector: the choice is remembered on the next visit', async () => {
        for (const start of ['/en/', '/en/help']) {
            await page.goto(`${ORIGIN}${start}`);
            const text = await page.evaluate(() => document.body.innerText);
            if (text.includes(COUNTRY.service)) return [];
            const s = page.locator('select[name="country"]');
            if ((await s.count()) > 0 && chosen && (await s.first().inputValue()) === chosen.value)
                return [];
        }
        return [`neither /en/ nor /en/help shows "${COUNTRY.service}" or has ${COUNTRY.name} selected`];
    });

    await check(`help selector: every request stays on 127.0.0.1:${BASE.port}`, async () => [
        ...seen.offHost.map((u) => `request to ${u}`),
        ...seen.errors,
    ]);
    await context.close();
}

// Appends suffix to the name of the organisation of activity `id` in the database (restore:
// removes it again), through the HTTP tests' database helpers (tests/http/awtest.py: SQLite or
// PostgreSQL, whichever AW_DB names).
function orgSuffix(id, suffix, restore) {
    const py = [
        'import sys',
        'sys.path.insert(0, sys.argv[1])',
        'from awtest import db_exec, db_rows',
        'act, suffix, restore = int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"',
        'oid, name = db_rows("SELECT o.id, o.name FROM activities a JOIN organisations o '
            + 'ON o.id = a.org_id WHERE a.id = ?", act)[0]',
        'new = name[:-len(suffix)] if restore and name.endswith(suffix) else name if restore else name + suffix',
        'db_exec("UPDATE organisations SET name = ? WHERE id = ?", new, oid)',
    ].join('\n');
    const http = join(dirname(fileURLToPath(import.meta.url)), '..', 'http');
    execFileSync('python3', ['-c', py, http, String(id), suffix, restore ? '1' : '0']);
}

async function bidiCheck(browser, activityPath) {
    const id = Number((/\/activities\/(\d+)/.exec(activityPath || '') || [])[1]);
    for (const [what, suffix] of [['an override (U+202E)', ' \u202ex']]) {
        await check(`bidi: ${what} at the end of an organisation name does not reverse the text after it`, async () => {
            if (!process.env.AW_DB) return ['AW_DB is not set (run through tests/e2e/run.sh)'];
            if (!id) return [`no activity id in ${activityPath}`];
            const context = await strictContext(browser);
            orgSuffix(id, suffix, false);
            try {
                const page = await context.newPage();
                await page.goto(`${ORIGIN}${activityPath}`, { waitUntil: 'load' });
                const r = await page.evaluate(() => {
                    // The organisation's <dd>: "<a>NAME</a> (KIND)"; where do "(" and ")" land?
                    const dd = [...document.querySelectorAll('dl.facts dd')].find((d) => d.querySelector('a[href*="/organisations/"]'));
                    if (!dd) return { error: 'no organisation in the facts of the activity page' };
                    const walker = document.createTreeWalker(dd, NodeFilter.SHOW_TEXT);
                    let node;
                    const boxes = {};
                    while ((node = walker.nextNode())) {
                        for (const ch of ['(', ')']) {
                            const i = node.data.lastIndexOf(ch);
                            if (i < 0 || node.parentElement.closest('a')) continue;
                            const range = document.createRange();
                            range.setStart(node, i);
                            range.setEnd(node, i + 1);
                            boxes[ch] = range.getBoundingClientRect().left;
                        }
                    }
                    return { boxes, text: dd.innerText, title: document.title };
                });
                if (r.error) return [r.error];
                const errors = [];
                if (!('(' in r.boxes) || !(')' in r.boxes)) return [`no "(KIND)" after the name in "${r.text}"`];
                if (!(r.boxes['('] < r.boxes[')']))
                    errors.push(`"(" is drawn right of ")" (${r.boxes['(']} >= ${r.boxes[')']}): the kind after the name is reversed in "${r.text}"`);
                if (/[\u202a-\u202e\u2066-\u2069]/.test(r.title))
                    errors.push(`the title holds a direction control: ${JSON.stringify(r.title)}`);
                return errors;
            } finally {
                orgSuffix(id, suffix, true);
                await context.close();
            }
        });
    }
}

async function main() {
    const browser = await launch();
    try {
        let found = {};
        await check('discover an activity and an organisation on /en/editions/2017', async () => {
            found = await discover(browser);
            return PAGES.filter((p) => p.prefix && !found[p.name]).map(
                (p) => `no link starting ${p.prefix}`,
            );
        });
        for (const p of PAGES) {
            const page = { ...p, path: p.path || found[p.name] };
            if (!page.path) continue;
            await pageChecks(browser, page);
        }
        await countryCheck(browser);
        await bidiCheck(browser, found.activity);
    } finally {
        await browser.close();
    }
    finish();
}

main().catch((e) => crashed('browser tests', e));
