// The origin the browser talks to, standing in for Mattermost's webapp (which cannot be built here) in front of
// the real Mattermost server:
//   /admin_console/... and any other page path → the host page (Mattermost answers unknown paths with its app)
//   /static/e2e-host/*                         → the host page's bundle and CSS (webapp/e2e/host)
//   /static/plugins/<id>/<id>_bundle.js        → the built plugin bundle, webapp/dist/main.js, read per request
//   /api/v4/* (the websocket too), /plugins/*  → the real Mattermost server, unchanged: its session, CSRF check,
//                                                the plugin's routes and, through them, the bridge
//   PUT /e2e-host/config                       → what Mattermost's webapp does on Save (through its config API)
// Listens on 127.0.0.1 only.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

const TYPES = {'.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8'};

/**
 * @param {object} options
 * @param {string} options.pluginId
 * @param {string} options.pluginBundle   path of webapp/dist/main.js
 * @param {string} options.hostBundleDir  directory with host.js (built by host/build.cjs)
 * @param {string} options.hostStaticDir  directory with index.html and console.css
 * @param {string} options.mattermostUrl  the real Mattermost server
 * @param {() => Promise<object>} options.pageState  what the host page starts with (store contents, manifest)
 * @param {(pluginSettings: object) => Promise<void>} options.savePluginSettings
 */
async function startHostServer(options) {
    const server = http.createServer((req, res) => {
        route(req, res).catch((err) => {
            if (!res.headersSent) {
                res.writeHead(500, {'Content-Type': 'text/plain'});
            }
            res.end(`host server error: ${err.stack ?? err}`);
        });
    });

    async function route(req, res) {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        if (url.pathname.startsWith('/api/v4/') || url.pathname.startsWith('/plugins/')) {
            return proxy(req, res, options.mattermostUrl, url.pathname + url.search);
        }
        if (url.pathname === `/static/plugins/${options.pluginId}/${options.pluginId}_bundle.js`) {
            return sendFile(res, options.pluginBundle, 'the plugin bundle is missing: run `npm run build -w webapp`');
        }
        if (url.pathname.startsWith('/static/e2e-host/')) {
            const name = path.basename(url.pathname);
            const dir = name === 'host.js' ? options.hostBundleDir : options.hostStaticDir;
            return sendFile(res, path.join(dir, name), `${name} is not in ${dir}`);
        }
        if (url.pathname === '/e2e-host/config' && req.method === 'PUT') {
            await options.savePluginSettings(JSON.parse(await readBody(req)));
            res.writeHead(200, {'Content-Type': 'application/json'});
            return res.end('{"status":"OK"}');
        }
        return sendPage(res);
    }

    async function sendPage(res) {
        const template = fs.readFileSync(path.join(options.hostStaticDir, 'index.html'), 'utf8');

        // JSON inside <script type="application/json">: only "</" could end the element early.
        const state = JSON.stringify(await options.pageState()).replace(/<\//g, '<\\/');
        res.writeHead(200, {'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store'});
        res.end(template.replace('<!--HOST_STATE-->', state));
    }

    // Mattermost's websocket (/api/v4/websocket): the upgrade is passed through as bytes both ways. Host and
    // Origin name Mattermost's own origin, as they would were the page served by Mattermost (this host stands
    // in for its origin; Mattermost refuses a websocket from any other).
    const tunnels = new Set();
    server.on('upgrade', (req, socket, head) => {
        const upstream = new URL(options.mattermostUrl);
        const outgoing = net.connect(Number(upstream.port), upstream.hostname, () => {
            const lines = [`${req.method} ${req.url} HTTP/1.1`];
            for (let i = 0; i < req.rawHeaders.length; i += 2) {
                const name = req.rawHeaders[i].toLowerCase();
                const value = name === 'host' ? upstream.host : name === 'origin' ? upstream.origin : req.rawHeaders[i + 1];
                lines.push(`${req.rawHeaders[i]}: ${value}`);
            }
            outgoing.write(lines.join('\r\n') + '\r\n\r\n');
            outgoing.write(head);
            socket.pipe(outgoing).pipe(socket);
        });
        tunnels.add(socket);
        const close = () => {
            tunnels.delete(socket);
            socket.destroy();
            outgoing.destroy();
        };
        outgoing.on('error', close);
        socket.on('error', close);
        socket.on('close', close);
    });

    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${server.address().port}`;
    return {
        url,
        stop: () => new Promise((resolve) => {
            for (const socket of tunnels) {
                socket.destroy();
            }
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** Forwards one request and streams the answer back unbuffered (the job log is a server-sent event stream). */
function proxy(req, res, target, pathAndQuery) {
    return new Promise((resolve) => {
        const upstream = new URL(target);
        const headers = {...req.headers, 'x-forwarded-for': req.socket.remoteAddress, 'x-forwarded-proto': 'http', connection: 'close'};
        const outgoing = http.request({host: upstream.hostname, port: upstream.port, method: req.method, path: pathAndQuery, headers}, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', resolve);
            answer.on('error', resolve);
        });
        outgoing.on('error', (err) => {
            // Mattermost itself unreachable: say so; after the answer started, just end it.
            if (!res.headersSent) {
                res.writeHead(502, {'Content-Type': 'text/plain'});
                res.end(`host server: Mattermost at ${target} did not answer: ${err.message}`);
            } else {
                res.destroy();
            }
            resolve();
        });
        res.on('close', () => outgoing.destroy());
        req.pipe(outgoing);
    });
}

function sendFile(res, file, missing) {
    if (!fs.existsSync(file)) {
        res.writeHead(404, {'Content-Type': 'text/plain'});
        return res.end(missing);
    }
    res.writeHead(200, {'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store'});
    return res.end(fs.readFileSync(file));
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on('data', (chunk) => chunks.push(chunk));
        req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        req.on('error', reject);
    });
}

module.exports = {startHostServer};
