// lib.mjs: what the browser tests (pages.mjs, moderation.mjs) share: Debian's Chromium through
// playwright-core (no browser is ever downloaded), the 127.0.0.1:PORT check of every request,
// the CSP violation recorder, axe-core, screenshots, and "ok N - ..." / "not ok N - ..."
// reporting closed by "N passed, M failed".
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
export const AXE_PATH = require.resolve('axe-core/axe.min.js');
export const ARTIFACTS = path.join(here, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
export const VIEWPORT = { width: 1280, height: 900 };

// The server's URL (AW_BASE_URL), which must be http://127.0.0.1:PORT; exits 2 otherwise.
export function baseUrl(text) {
    const base = new URL(text);
    if (base.hostname !== '127.0.0.1') {
        console.error('AW_BASE_URL must be http://127.0.0.1:PORT');
        process.exit(2);
    }
    return base;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

let count = 0;
let failures = 0;

export function report(name, errors) {
    count++;
    if (errors.length === 0) {
        console.log(`ok ${count} - ${name}`);
        return;
    }
    failures++;
    console.log(`not ok ${count} - ${name}: ${errors[0]}`);
    for (const e of errors.slice(1)) console.log(`#   ${e}`);
}

// Runs fn() and reports its list of errors; an exception is a failure too. Returns true when
// the step passed.
export async function check(name, fn) {
    let errors;
    try {
        errors = (await fn()) || [];
    } catch (e) {
        errors = [`exception: ${String(e && e.message ? e.message : e).split('\n')[0]}`];
    }
    report(name, errors);
    return errors.length === 0;
}

// Prints "N passed, M failed" and exits (1 on any failure).
export function finish() {
    console.log(`${count - failures} passed, ${failures} failed`);
    process.exit(failures ? 1 : 0);
}

// For main().catch(): reports the crash as one more failure and exits 1.
export function crashed(what, e) {
    console.log(`not ok ${count + 1} - ${what} crashed: ${e && e.stack ? e.stack : e}`);
    console.log(`${count - failures} passed, ${failures + 1} failed`);
    process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Browser and contexts.

// chromium.launch() starts Chromium with a fresh temporary profile (user data dir) and deletes
// it at close: no state is shared between runs. Creates the artifacts directory first.
export async function launch() {
    mkdirSync(ARTIFACTS, { recursive: true });
    return chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
}

// True when url stays on the server under test, base (data: and blob: never leave the machine).
export function onHost(url, base) {
    let u;
    try {
        u = new URL(url);
    } catch {
        return false;
    }
    if (u.protocol === 'data:' || u.protocol === 'blob:' || url === 'about:blank') return true;
    return u.protocol === 'http:' && u.hostname === '127.0.0.1' && u.port === base.port;
}

// Aborts every request of context that would leave base (so a test run never touches the
// network).
export function blockOffHost(context, base) {
    return context.route('**/*', (route) =>
        onHost(route.request().url(), base) ? route.continue() : route.abort('blockedbyclient'),
    );
}

// Records the page's CSP violations in window.__awCsp. Init scripts run through the DevTools
// protocol, not as page scripts, so the page's CSP does not apply to them.
export function recordCsp(context) {
    return context.addInitScript(() => {
        window.__awCsp = [];
        document.addEventListener('securitypolicyviolation', (e) =>
            window.__awCsp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`),
        );
    });
}

// ---------------------------------------------------------------------------------------------
// axe-core needs its script in the page, and the server's CSP (script-src 'self', no
// 'unsafe-inline') rightly blocks the inline <script> that addScriptTag creates: run it in a
// context with bypassCSP: true.

// Runs axe (AXE_TAGS) on the page; returns the error lines, each violation's first line
// followed by suffix.
export async function axeErrors(page, suffix = '') {
    await page.addScriptTag({ path: AXE_PATH });
    const violations = await page.evaluate(async (tags) => {
        const r = await window.axe.run(document, {
            runOnly: { type: 'tag', values: tags },
            resultTypes: ['violations'],
        });
        return r.violations.map((v) => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map((n) => n.target.join(' ')),
        }));
    }, AXE_TAGS);
    const errors = [];
    for (const v of violations) {
        errors.push(`${v.id} [${v.impact}] ${v.help} (${v.nodes.length} node(s))${suffix}`);
        for (const t of v.nodes.slice(0, 5)) errors.push(`    ${t}`);
    }
    return errors;
}

// A full-page screenshot to artifacts/<name>.png.
export function screenshot(page, name, options = {}) {
    return page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true, ...options });
}
