// moderation.mjs: the moderation scenario of issue 3 in Debian's Chromium (playwright-core; no
// browser is ever downloaded). Run by tests/e2e/run.sh through
//   python3 tests/http/run.py --bin BIN --users --smtp --exec node tests/e2e/moderation.mjs
// which starts a fresh demo server with the test accounts and an SMTP sink, and sets
// AW_BASE_URL, AW_MAILDIR (the sink writes each mail as N.eml) and AW_PASSWORD.
//
// The scenario, as people would do it:
//   - a partner (no account) follows "Share an activity" from /en/, fills the form, sends it
//     once with the title left empty (error summary, field message, link to the field,
//     everything else kept), then with the title: the private page says it was received;
//   - the confirmation mail reaches partner@example.org with the same private link;
//   - the activity is not public yet;
//   - focal.be@example.org signs in, finds it in the queue (Belgium), opens it, ticks the
//     safeguarding checklist, approves it: it is on /en/editions/<year> under Belgium and on
//     /en/countries/BE;
//   - a second activity is rejected with the "missing information" reason and a written
//     detail: the mail and the private link show the reason;
//   - focal.fr@example.org gets 403 for the Belgian item.
// axe-core (WCAG 2.0/2.1 A and AA, best practices) checks the share form (blank and with
// errors), the login page, the queue, the item page and the private page, in contexts with
// bypassCSP (the others keep the CSP, whose violations are reported). Every request of the
// run must stay on 127.0.0.1:PORT (others are aborted and reported).
// Screenshots: artifacts/moderation-<step>.png.
//
// Prints "ok N - ..." / "not ok N - ..." and closes with "N passed, M failed"; exits 1 on any
// failure.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, AXE_TAGS, VIEWPORT, axeErrors, baseUrl, blockOffHost, check, crashed, finish, launch,
    onHost as onHostOf, recordCsp, screenshot } from './lib.mjs';

const MAIL_WAIT_MS = 10000;

const baseText = process.env.AW_BASE_URL;
const MAILDIR = process.env.AW_MAILDIR;
const PASSWORD = process.env.AW_PASSWORD;
if (!baseText || !MAILDIR || !PASSWORD) {
    console.error('usage: python3 tests/http/run.py --bin BIN --users --smtp --exec node moderation.mjs');
    process.exit(2);
}
const BASE = baseUrl(baseText);
const ORIGIN = BASE.origin;

const PARTNER = {
    org: 'Brussels Parents Network',
    orgKind: 'Non-governmental organisation',
    country: 'Belgium',
    place: 'Brussels',
    name: 'Anne Dupont',
    email: 'partner@example.org',
    linkLabel: 'Programme of the evening',
    linkUrl: 'https://example.org/brussels-parents/evening',
};
const FIRST = {
    title: 'Evening on online safety for parents',
    summary:
        'An evening for **parents** on keeping children safe online.\n\n' +
        '- how grooming starts\n- where to find help in Belgium\n\n' +
        'Questions are *welcome* in French and Dutch.',
    kind: 'Workshop',
    audience: 'parents',
    languages: ['French', 'Dutch'],
    day: '11-18',
};
const SECOND = {
    title: 'Teachers talk about sexting at school',
    summary: 'A round table for **teachers** about sexting and how to react.',
    kind: 'Workshop',
    audience: 'educators',
    languages: ['French'],
    day: '11-20',
};
const FOCAL_BE = 'focal.be@example.org';
const FOCAL_FR = 'focal.fr@example.org';
const CHECKLIST = [
    'no child can be identified (names, faces, schools, places)',
    'there is no personal data of a victim',
    'there is no explicit material or description of abuse',
    'every link points where it says',
];
const REASON = 'Important information is missing or unclear.';
const REASON_DETAIL = 'Please add the address of the school and the time of the round table.';

function shot(page, step, options = {}) {
    return screenshot(page, `moderation-${step}`, options);
}

// ---------------------------------------------------------------------------------------------
// Contexts: every request is recorded; requests leaving 127.0.0.1:PORT are aborted and reported.

const offHost = [];
const pageErrors = [];
const contexts = [];

const onHost = (url) => onHostOf(url, BASE);

async function newContext(browser, who, options = {}) {
    const context = await browser.newContext({ viewport: VIEWPORT, ...options });
    contexts.push(context);
    context.setDefaultTimeout(5000);
    context.setDefaultNavigationTimeout(15000);
    await blockOffHost(context, BASE);
    context.on('request', (r) => {
        if (!onHost(r.url())) offHost.push(`${who}: ${r.url()}`);
    });
    if (!options.bypassCSP) await recordCsp(context);
    context.on('page', (page) => {
        page.on('websocket', (ws) => offHost.push(`${who}: websocket ${ws.url()}`));
        page.on('pageerror', (e) => pageErrors.push(`${who}: script error: ${e.message}`));
        // The status of the last document shown in the main frame.
        page.on('response', (r) => {
            const q = r.request();
            if (q.isNavigationRequest() && q.frame() === page.mainFrame() && !(r.status() >= 300 && r.status() < 400))
                page.__awStatus = r.status();
        });
    });
    return context;
}

// CSP violations seen by the page so far (kept across the scenario).
async function collectCsp(page, who) {
    try {
        const csp = await page.evaluate(() => window.__awCsp || []);
        for (const c of csp) pageErrors.push(`${who}: CSP ${c} on ${page.url()}`);
    } catch {
        /* the page is gone */
    }
}

// Clicks a submit button and waits for the next document in the main frame; returns its status.
async function submit(page, button) {
    const nav = page.waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame() });
    await button.click();
    await nav;
    await page.waitForLoadState('load');
    return page.__awStatus;
}

async function visit(page, pathname) {
    const resp = await page.goto(`${ORIGIN}${pathname}`, { waitUntil: 'load' });
    return resp ? resp.status() : 0;
}

async function bodyText(page) {
    return page.evaluate(() => document.body.innerText);
}

// ---------------------------------------------------------------------------------------------
// axe-core, in its own context with bypassCSP (the server's CSP rightly blocks the inline
// script addScriptTag creates); storageState carries a session when the page needs one.

async function axeCheck(browser, name, storageState, prepare) {
    return check(`axe: ${name} (${AXE_TAGS.join(', ')})`, async () => {
        const context = await newContext(browser, `axe ${name}`, {
            bypassCSP: true,
            ...(storageState ? { storageState } : {}),
        });
        try {
            const page = await context.newPage();
            const pre = await prepare(page);
            if (pre && pre.length) return pre;
            return await axeErrors(page, ` on ${page.url().replace(ORIGIN, '')}`);
        } finally {
            await context.close();
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Mail: the sink writes N.eml (CRLF, quoted-printable bodies).

function decodeQP(text) {
    const bytes = [];
    const s = text.replace(/=\r?\n/g, '');
    for (let i = 0; i < s.length; i++) {
        if (s[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
            bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
            i += 2;
        } else {
            for (const b of Buffer.from(s[i], 'utf8')) bytes.push(b);
        }
    }
    return Buffer.from(bytes).toString('utf8');
}

function decodeWords(value) {
    return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=\s*(?==\?)?/g, (_, cs, enc, data) => {
        if (enc.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
        return decodeQP(data.replace(/_/g, ' '));
    });
}

function readMails() {
    let files;
    try {
        files = readdirSync(MAILDIR).filter((f) => /^\d+\.eml$/.test(f));
    } catch {
        return [];
    }
    files.sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
    return files.map((f) => {
        const raw = readFileSync(path.join(MAILDIR, f), 'utf8');
        const cut = raw.search(/\r?\n\r?\n/);
        const head = raw.slice(0, cut).replace(/\r?\n[ \t]+/g, ' ');
        const headers = {};
        for (const line of head.split(/\r?\n/)) {
            const m = line.match(/^([^:]+):\s*(.*)$/);
            if (m) headers[m[1].toLowerCase()] = decodeWords(m[2]);
        }
        let body = raw.slice(cut).replace(/^\r?\n\r?\n/, '');
        if (/quoted-printable/i.test(headers['content-transfer-encoding'] || '')) body = decodeQP(body);
        else if (/base64/i.test(headers['content-transfer-encoding'] || ''))
            body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
        return { file: f, headers, body: body.replace(/\r\n/g, '\n') };
    });
}

// Polls the sink for a mail to `to` whose body passes match(); null after MAIL_WAIT_MS.
async function waitForMail(to, match) {
    const deadline = Date.now() + MAIL_WAIT_MS;
    for (;;) {
        const found = readMails().find(
            (m) => (m.headers.to || '').toLowerCase().includes(to.toLowerCase()) && match(m),
        );
        if (found) return found;
        if (Date.now() > deadline) return null;
        await new Promise((r) => setTimeout(r, 200));
    }
}

function describeMails() {
    const all = readMails();
    if (!all.length) return [`no mail at all in ${MAILDIR}`];
    return all.map((m) => `${m.file}: To ${m.headers.to || '?'}; Subject ${m.headers.subject || '?'}`);
}

const squash = (s) => String(s).replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------------------------------------
// The share form, filled through its labels.

function shareFields(page) {
    return {
        org: page.getByRole('combobox', { name: /^Organisation/ }),
        orgName: page.getByRole('textbox', { name: 'Name of the organisation' }),
        orgKind: page.getByRole('combobox', { name: 'Kind of organisation' }),
        orgCountry: page.getByRole('combobox', { name: 'Country of the organisation' }),
        title: page.getByRole('textbox', { name: /^Title of the activity/ }),
        summary: page.getByRole('textbox', { name: /^What happens/ }),
        kind: (k) => page.getByRole('checkbox', { name: k, exact: true }),
        audience: (a) => page.getByRole('checkbox', { name: a, exact: true }),
        language: (l) => page.getByRole('checkbox', { name: l, exact: true }),
        country: page.getByRole('combobox', { name: /^Country where it takes place/ }),
        place: page.getByRole('textbox', { name: /^Place/ }),
        start: page.getByRole('textbox', { name: /^Start date/ }),
        linkLabel: page.getByRole('textbox', { name: 'Link 1: text' }),
        linkUrl: page.getByRole('textbox', { name: 'Link 1: address' }),
        contactName: page.getByRole('textbox', { name: /^Your name/ }),
        contactEmail: page.getByRole('textbox', { name: /^Your e-mail address/ }),
        send: page.getByRole('button', { name: 'Send the activity' }),
    };
}

// The edition year, from the lead text "Tell us about an activity for the YYYY edition".
async function editionYear(page) {
    const lead = await page.locator('main p.lead').first().innerText().catch(() => '');
    const m = lead.match(/for the (\d{4}) edition/);
    return m ? parseInt(m[1], 10) : null;
}

// Fills everything; title may be '' (left empty). useListedOrg picks the partner's
// organisation from the list when it is there (after the first approval).
async function fillShare(page, act, year, { useListedOrg = false } = {}) {
    const f = shareFields(page);
    let listed = null;
    if (useListedOrg) {
        const labels = await f.org.locator('option').allTextContents();
        listed = labels.find((l) => l.trim().startsWith(PARTNER.org)) || null;
    }
    if (listed) {
        await f.org.selectOption({ label: listed.trim() });
    } else {
        await f.org.selectOption({ label: 'My organisation is not listed: I describe it below' });
        await f.orgName.fill(PARTNER.org);
        await f.orgKind.selectOption({ label: PARTNER.orgKind });
        await f.orgCountry.selectOption({ label: PARTNER.country });
    }
    if (act.title) await f.title.fill(act.title);
    await f.summary.fill(act.summary);
    await f.kind(act.kind).check();
    await f.audience(act.audience).check();
    await f.country.selectOption({ label: PARTNER.country });
    await f.place.fill(PARTNER.place);
    await f.start.fill(`${year}-${act.day}`);
    for (const l of act.languages) await f.language(l).check();
    await f.linkLabel.fill(PARTNER.linkLabel);
    await f.linkUrl.fill(PARTNER.linkUrl);
    await f.contactName.fill(PARTNER.name);
    await f.contactEmail.fill(PARTNER.email);
    return { listed };
}

// Differences between what was typed (everything but the title) and what the form shows.
async function keptValues(page, act, year) {
    const f = shareFields(page);
    const errors = [];
    const want = async (what, loc, expected) => {
        const v = await loc.inputValue();
        if (v.replace(/\r\n/g, '\n') !== expected)
            errors.push(`${what}: ${JSON.stringify(v.slice(0, 80))}, typed ${JSON.stringify(expected.slice(0, 80))}`);
    };
    const ticked = async (what, loc) => {
        if (!(await loc.isChecked())) errors.push(`${what} is no longer ticked`);
    };
    await want('Organisation', f.org, 'new');
    await want('Name of the organisation', f.orgName, PARTNER.org);
    await want('Kind of organisation', f.orgKind, 'ngo');
    await want('Country of the organisation', f.orgCountry, 'BE');
    await want('What happens', f.summary, act.summary);
    await ticked(`Kind "${act.kind}"`, f.kind(act.kind));
    await ticked(`Audience "${act.audience}"`, f.audience(act.audience));
    await want('Country where it takes place', f.country, 'BE');
    await want('Place', f.place, PARTNER.place);
    await want('Start date', f.start, `${year}-${act.day}`);
    for (const l of act.languages) await ticked(`Language "${l}"`, f.language(l));
    await want('Link 1: text', f.linkLabel, PARTNER.linkLabel);
    await want('Link 1: address', f.linkUrl, PARTNER.linkUrl);
    await want('Your name', f.contactName, PARTNER.name);
    await want('Your e-mail address', f.contactEmail, PARTNER.email);
    return errors;
}

async function login(page, email) {
    if ((await visit(page, '/en/login')) !== 200) throw new Error('/en/login did not answer 200');
    await page.getByLabel('E-mail address').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    return new URL(page.url()).pathname;
}

// The queue row of an activity, or null.
async function queueRow(page, title) {
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: title, exact: true }) });
    return (await row.count()) ? row.first() : null;
}

// ---------------------------------------------------------------------------------------------

async function main() {
    const browser = await launch();
    const s = {}; // what the steps learn: year, private URLs, item ids
    try {
        // --- 1. The partner shares an activity ------------------------------------------
        const partnerCtx = await newContext(browser, 'partner');
        const partner = await partnerCtx.newPage();

        await check('partner: "Share an activity" in the navigation of /en/ leads to the form', async () => {
            if ((await visit(partner, '/en/')) !== 200) return ['/en/ did not answer 200'];
            const link = partner
                .getByRole('navigation', { name: 'Main menu' })
                .getByRole('link', { name: 'Share an activity', exact: true });
            if ((await link.count()) !== 1) return ['no "Share an activity" link in the main menu'];
            await Promise.all([partner.waitForURL(/\/en\/share$/), link.click()]);
            s.year = await editionYear(partner);
            if (!s.year) return ['no "for the YYYY edition" in the lead text of the share form'];
            return (await shareFields(partner).send.count()) === 1 ? [] : ['no "Send the activity" button'];
        });

        await check('partner: sent without a title, the form shows the error and keeps every value', async () => {
            if (!s.year) return ['skipped: the share form was not reached'];
            await fillShare(partner, { ...FIRST, title: '' }, s.year);
            const status = await submit(partner, shareFields(partner).send);
            await shot(partner, 'share-errors');
            const errors = [];
            if (status !== 422) errors.push(`status ${status}, expected 422`);
            const summary = partner.locator('.error-summary[role="alert"]');
            if ((await summary.count()) !== 1) {
                errors.push('no error summary (role=alert)');
            } else {
                const link = summary.getByRole('link', { name: /Title of the activity/ });
                if ((await link.count()) !== 1) {
                    errors.push(`the error summary has no link to the title: ${squash(await summary.innerText())}`);
                } else {
                    const href = await link.getAttribute('href');
                    const target = await partner.evaluate((h) => {
                        const el = h && h.startsWith('#') ? document.getElementById(h.slice(1)) : null;
                        return el ? { tag: el.tagName, name: el.getAttribute('name') } : null;
                    }, href);
                    if (!target || target.tag !== 'INPUT' || target.name !== 'title')
                        errors.push(`the summary link ${href} does not point at the title field`);
                    await link.click();
                    const focused = await partner.evaluate(() => document.activeElement && document.activeElement.name);
                    if (focused !== 'title') errors.push(`following the summary link focuses ${focused || 'nothing'}, not the title field`);
                }
                const others = await summary.getByRole('listitem').count();
                if (others !== 1) errors.push(`the error summary lists ${others} fields, expected only the title`);
            }
            const title = shareFields(partner).title;
            if ((await title.getAttribute('aria-invalid')) !== 'true') errors.push('the title field is not aria-invalid');
            const described = ((await title.getAttribute('aria-describedby')) || '').split(/\s+/).filter(Boolean);
            const messages = [];
            for (const id of described) {
                const el = partner.locator(`[id="${id}"]`);
                if ((await el.count()) && (await el.getAttribute('class')) === 'error') messages.push(await el.innerText());
            }
            if (!messages.length) errors.push('no error message next to the title field (aria-describedby)');
            else if (!/required/i.test(messages.join(' '))) errors.push(`the title's message is ${JSON.stringify(messages.join(' '))}`);
            errors.push(...(await keptValues(partner, FIRST, s.year)));
            s.errorsShown = true;
            return errors;
        });

        await check('partner: with the title, the activity is sent and the private page says it was received', async () => {
            if (!s.year) return ['skipped: the share form was not reached'];
            if (!s.errorsShown) await fillShare(partner, { ...FIRST, title: '' }, s.year);
            await shareFields(partner).title.fill(FIRST.title);
            const status = await submit(partner, shareFields(partner).send);
            await shot(partner, 'share-received');
            const u = new URL(partner.url());
            const errors = [];
            if (status !== 200) errors.push(`status ${status}`);
            if (!/^\/en\/submissions\/[^/]+$/.test(u.pathname)) return [...errors, `landed on ${u.pathname}, not a private link /en/submissions/TOKEN`];
            s.private1 = `${ORIGIN}${u.pathname}`;
            const notice = partner.getByRole('status').filter({ hasText: 'your activity was received' });
            if ((await notice.count()) !== 1) errors.push('no "your activity was received" notice (role=status)');
            const text = await bodyText(partner);
            if (!text.includes(FIRST.title)) errors.push('the private page does not show the title');
            if (!/waits to be checked/.test(text)) errors.push('the private page does not say the activity waits to be checked');
            return errors;
        });

        await axeCheck(browser, 'share form', null, async (page) => {
            await visit(page, '/en/share');
        });
        await axeCheck(browser, 'share form with errors', null, async (page) => {
            await visit(page, '/en/share');
            const year = await editionYear(page);
            if (!year) return ['no edition year on the share form'];
            await fillShare(page, { ...FIRST, title: '' }, year);
            const status = await submit(page, shareFields(page).send);
            return status === 422 ? [] : [`the form with an empty title answered ${status}, not 422`];
        });
        await axeCheck(browser, 'private submission page', null, async (page) => {
            if (!s.private1) return ['skipped: no private link'];
            await page.goto(`${s.private1}?sent=1`);
        });

        // --- 2. The confirmation mail ---------------------------------------------------
        await check(`mail: the confirmation reaches ${PARTNER.email} with the private link`, async () => {
            if (!s.private1) return ['skipped: no private link'];
            const mail = await waitForMail(PARTNER.email, (m) => m.body.includes(FIRST.title) || m.body.includes(s.private1));
            if (!mail) return [`no mail to ${PARTNER.email} within ${MAIL_WAIT_MS / 1000} s`, ...describeMails()];
            const links = mail.body.match(/https?:\/\/\S+/g) || [];
            if (!links.includes(s.private1))
                return [`the mail (${mail.file}) does not contain ${s.private1}; links: ${links.join(' ') || 'none'}`];
            return [];
        });

        // --- 3. Not public yet ----------------------------------------------------------
        const publicCtx = await newContext(browser, 'visitor');
        const visitor = await publicCtx.newPage();
        await check('public: the waiting activity is not on the edition page nor on the country page', async () => {
            if (!s.year) return ['skipped: no edition year'];
            const errors = [];
            for (const p of [`/en/editions/${s.year}`, '/en/countries/BE']) {
                const status = await visit(visitor, p);
                if (status !== 200) errors.push(`${p} answered ${status}`);
                else if ((await bodyText(visitor)).includes(FIRST.title)) errors.push(`${p} already shows "${FIRST.title}"`);
            }
            return errors;
        });

        // --- 4. focal.be approves -------------------------------------------------------
        const beCtx = await newContext(browser, 'focal.be');
        const focalBe = await beCtx.newPage();
        await axeCheck(browser, 'login page', null, async (page) => {
            await visit(page, '/en/login');
        });

        await check(`focal.be: signs in at /en/login and lands on /en/moderation with the activity (Belgium)`, async () => {
            const landed = await login(focalBe, FOCAL_BE);
            if (landed !== '/en/moderation') return [`after signing in: ${landed}, expected /en/moderation`];
            s.beSignedIn = true;
            const row = await queueRow(focalBe, FIRST.title);
            if (!row) return [`"${FIRST.title}" is not in the queue`];
            const cells = (await row.getByRole('cell').allInnerTexts()).map((c) => c.trim());
            s.item1 = await row.getByRole('link', { name: FIRST.title, exact: true }).getAttribute('href');
            return cells.includes('Belgium') ? [] : [`the row shows ${JSON.stringify(cells)}, no "Belgium"`];
        });
        const beState = s.beSignedIn ? await beCtx.storageState() : null;
        await axeCheck(browser, 'moderation queue', beState, async (page) => {
            if (!beState) return ['skipped: focal.be could not sign in'];
            await visit(page, '/en/moderation');
        });

        await check('focal.be: opens the item and sees it as it will be published', async () => {
            if (!s.item1) return ['skipped: the item is not in the queue'];
            await Promise.all([
                focalBe.waitForURL((u) => u.pathname === s.item1),
                focalBe.getByRole('link', { name: FIRST.title, exact: true }).first().click(),
            ]);
            await shot(focalBe, 'item');
            const errors = [];
            if (focalBe.__awStatus !== 200) errors.push(`status ${focalBe.__awStatus}`);
            const preview = focalBe.locator('.preview');
            if (!(await preview.count())) return [...errors, 'no preview'];
            const ptext = await preview.innerText();
            for (const want of [FIRST.title, PARTNER.org, PARTNER.place])
                if (!ptext.includes(want)) errors.push(`the preview lacks "${want}"`);
            if ((await preview.locator('strong', { hasText: 'parents' }).count()) === 0)
                errors.push('the preview does not render the Markdown (**parents**)');
            return errors;
        });
        await axeCheck(browser, 'moderation item page', beState, async (page) => {
            if (!beState || !s.item1) return ['skipped: no item'];
            await visit(page, s.item1);
        });

        await check('focal.be: ticks the safeguarding checklist and approves; back on the queue with a notice', async () => {
            if (!s.item1) return ['skipped: the item was not opened'];
            for (const c of CHECKLIST) await focalBe.getByRole('checkbox', { name: c, exact: true }).check();
            await submit(focalBe, focalBe.getByRole('button', { name: 'Approve and publish' }));
            await shot(focalBe, 'approved');
            const errors = [];
            const u = new URL(focalBe.url());
            if (u.pathname !== '/en/moderation') errors.push(`landed on ${u.pathname}${u.search}, not /en/moderation`);
            const notice = focalBe.getByRole('status').filter({ hasText: 'Approved and published' });
            if ((await notice.count()) !== 1) errors.push('no "Approved and published" notice');
            if (await queueRow(focalBe, FIRST.title)) errors.push('the approved activity is still in the queue');
            return errors;
        });

        // --- 5. Public ------------------------------------------------------------------
        await check(`public: the activity is on /en/editions/YEAR under Belgium`, async () => {
            if (!s.year) return ['skipped: no edition year'];
            const status = await visit(visitor, `/en/editions/${s.year}`);
            if (status !== 200) return [`/en/editions/${s.year} answered ${status}`];
            const section = visitor.getByRole('region', { name: 'Belgium', exact: true });
            if ((await section.count()) !== 1) {
                await shot(visitor, 'edition');
                return [`no section "Belgium" on /en/editions/${s.year}`];
            }
            const card = section.locator('article').filter({ has: visitor.getByRole('heading', { name: FIRST.title, level: 4 }) });
            if ((await card.count()) !== 1) {
                await shot(visitor, 'edition');
                return [`"${FIRST.title}" is not in the Belgium section of /en/editions/${s.year}`];
            }
            await card.scrollIntoViewIfNeeded();
            await section.screenshot({ path: path.join(ARTIFACTS, 'moderation-edition.png') });
            const errors = [];
            const text = await card.innerText();
            for (const want of [PARTNER.org, PARTNER.place]) if (!text.includes(want)) errors.push(`the card lacks "${want}"`);
            if ((await card.locator('strong', { hasText: 'parents' }).count()) === 0) errors.push('the summary\'s Markdown is not rendered');
            if ((await card.getByRole('link', { name: PARTNER.linkLabel }).count()) !== 1) errors.push(`no link "${PARTNER.linkLabel}"`);
            return errors;
        });

        await check('public: the activity is on /en/countries/BE', async () => {
            if (!s.year) return ['skipped: no edition year'];
            const status = await visit(visitor, '/en/countries/BE');
            if (status !== 200) return [`/en/countries/BE answered ${status}`];
            await shot(visitor, 'country');
            const section = visitor.getByRole('region', { name: `${s.year} edition`, exact: true });
            if ((await section.count()) !== 1) return [`no section "${s.year} edition" on /en/countries/BE`];
            const heading = section.getByRole('heading', { name: FIRST.title, level: 4 });
            return (await heading.count()) === 1 ? [] : [`"${FIRST.title}" is not in the ${s.year} section of /en/countries/BE`];
        });

        // --- 6. A rejection -------------------------------------------------------------
        await check('partner: shares a second activity for Belgium', async () => {
            if (!s.year) return ['skipped: no edition year'];
            await visit(partner, '/en/');
            await Promise.all([
                partner.waitForURL(/\/en\/share$/),
                partner.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'Share an activity', exact: true }).click(),
            ]);
            await fillShare(partner, SECOND, s.year, { useListedOrg: true });
            const status = await submit(partner, shareFields(partner).send);
            const u = new URL(partner.url());
            if (!/^\/en\/submissions\/[^/]+$/.test(u.pathname)) {
                await shot(partner, 'second-share');
                const alerts = await partner.getByRole('alert').allInnerTexts();
                return [`status ${status}, landed on ${u.pathname}: ${squash(alerts.join(' ')).slice(0, 300)}`];
            }
            s.private2 = `${ORIGIN}${u.pathname}`;
            return s.private2 === s.private1 ? ['the second activity got the same private link as the first'] : [];
        });

        await check('focal.be: rejects it with the "missing information" reason and a written detail', async () => {
            if (!s.private2) return ['skipped: the second activity was not sent'];
            if (!s.beSignedIn) return ['skipped: focal.be could not sign in'];
            await visit(focalBe, '/en/moderation');
            const row = await queueRow(focalBe, SECOND.title);
            if (!row) return [`"${SECOND.title}" is not in the queue`];
            s.item2 = await row.getByRole('link', { name: SECOND.title, exact: true }).getAttribute('href');
            await Promise.all([
                focalBe.waitForURL((u) => u.pathname === s.item2),
                row.getByRole('link', { name: SECOND.title, exact: true }).click(),
            ]);
            await focalBe.getByRole('radio', { name: REASON, exact: true }).check();
            await focalBe.getByRole('textbox', { name: 'Written reason or details' }).fill(REASON_DETAIL);
            const status = await submit(focalBe, focalBe.getByRole('button', { name: 'Reject', exact: true }));
            await shot(focalBe, 'rejected-queue');
            const errors = [];
            const u = new URL(focalBe.url());
            if (status !== 200 || u.pathname !== '/en/moderation')
                errors.push(`status ${status} on ${u.pathname}, expected the queue`);
            if (await queueRow(focalBe, SECOND.title)) errors.push('the rejected activity is still in the queue');
            return errors;
        });

        await check(`mail: the rejection reaches ${PARTNER.email} with the reason`, async () => {
            if (!s.item2) return ['skipped: nothing was rejected'];
            const mail = await waitForMail(PARTNER.email, (m) => m.body.includes(SECOND.title) && /Reason/.test(m.body));
            if (!mail) return [`no rejection mail to ${PARTNER.email} within ${MAIL_WAIT_MS / 1000} s`, ...describeMails()];
            const body = squash(mail.body);
            const errors = [];
            if (!body.includes(REASON)) errors.push(`the mail (${mail.file}) lacks the reason "${REASON}"`);
            if (!body.includes(REASON_DETAIL)) errors.push(`the mail (${mail.file}) lacks the written detail`);
            return errors;
        });

        await check('partner: the private link of the rejected activity says "Not published" with the reason', async () => {
            if (!s.private2) return ['skipped: no private link'];
            const status = await visit(partner, new URL(s.private2).pathname);
            await shot(partner, 'rejected');
            if (status !== 200) return [`status ${status}`];
            const text = squash(await bodyText(partner));
            const errors = [];
            if (!text.includes('Not published')) errors.push('no "Not published"');
            if (!text.includes(REASON)) errors.push(`no reason "${REASON}"`);
            if (!text.includes(REASON_DETAIL)) errors.push('no written detail');
            return errors;
        });

        // --- 7. Scope -------------------------------------------------------------------
        await check('focal.fr: cannot open the Belgian item (403)', async () => {
            const item = s.item2 || s.item1;
            if (!item) return ['skipped: no Belgian item id'];
            const frCtx = await newContext(browser, 'focal.fr');
            const fr = await frCtx.newPage();
            const landed = await login(fr, FOCAL_FR);
            const errors = [];
            if (landed !== '/en/moderation') return [`after signing in: ${landed}, expected /en/moderation`];
            const status = await visit(fr, item);
            await shot(fr, '403');
            if (status !== 403) errors.push(`${item} answered ${status}, expected 403`);
            const text = await bodyText(fr);
            for (const t of [FIRST.title, SECOND.title]) if (text.includes(t)) errors.push(`the page shows "${t}"`);
            await visit(fr, '/en/moderation');
            const queue = await bodyText(fr);
            for (const t of [FIRST.title, SECOND.title]) if (queue.includes(t)) errors.push(`focal.fr's queue lists "${t}"`);
            await collectCsp(fr, 'focal.fr');
            return errors;
        });

        // --- 8. The whole run -----------------------------------------------------------
        for (const [p, who] of [[partner, 'partner'], [focalBe, 'focal.be'], [visitor, 'visitor']]) await collectCsp(p, who);
        await check('no CSP violation or script error in the scenario', async () => pageErrors.slice(0, 20));
        await check(`every request of the scenario stays on 127.0.0.1:${BASE.port}`, async () =>
            offHost.slice(0, 20).map((u) => `request to ${u}`),
        );
    } finally {
        for (const c of contexts) await c.close().catch(() => {});
        await browser.close();
    }
    finish();
}

main().catch((e) => crashed('moderation tests', e));
