// The origin the browser talks to, standing in for Mattermost behind its reverse proxy:
//   /admin_console/... and any other page path → the host page (Mattermost answers unknown paths with its app)
//   /static/e2e-host/*                         → the host page's bundle and CSS (webapp/e2e/host)
//   /static/plugins/<id>/<id>_bundle.js        → the built plugin bundle, webapp/dist/main.js, read per request
//   /backup-dr/*                               → the bridge, with the prefix stripped as docs/install.md's nginx rule
//                                                does; 502 when nothing answers there, as nginx does
//   /api/v4/*                                  → the Mattermost test server
//   PUT /e2e-host/config                       → what Mattermost does on Save: the plugin's settings into config.json
// Listens on 127.0.0.1 only.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const NGINX_502 = '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
const TYPES = {'.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.html': 'text/html; charset=utf-8'};

/**
 * @param {object} options
 * @param {string} options.pluginId
 * @param {string} options.pluginBundle   path of webapp/dist/main.js
 * @param {string} options.hostBundleDir  directory with host.js (built by host/build.cjs)
 * @param {string} options.hostStaticDir  directory with index.html and console.css
 * @param {() => string | null} options.bridgeUrl  where /backup-dr/ goes; null while the bridge is not running
 * @param {string} options.mattermostUrl
 * @param {() => object} options.pageState  what the host page starts with (store contents, manifest)
 * @param {(pluginSettings: object) => Promise<void>} options.savePluginSettings
 */
async function startHostServer(options) {
    const bridgePrefix = '/backup-dr/';
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
        if (url.pathname.startsWith(bridgePrefix)) {
            return proxy(req, res, options.bridgeUrl(), '/' + url.pathname.slice(bridgePrefix.length) + url.search);
        }
        if (url.pathname.startsWith('/api/v4/')) {
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

    function sendPage(res) {
        const template = fs.readFileSync(path.join(options.hostStaticDir, 'index.html'), 'utf8');

        // JSON inside <script type="application/json">: only "</" could end the element early.
        const state = JSON.stringify(options.pageState()).replace(/<\//g, '<\\/');
        res.writeHead(200, {'Content-Type': TYPES['.html'], 'Cache-Control': 'no-store'});
        res.end(template.replace('<!--HOST_STATE-->', state));
    }

    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${server.address().port}`;
    return {
        url,
        stop: () => new Promise((resolve) => {
            server.closeAllConnections();
            server.close(() => resolve());
        }),
    };
}

/** Forwards one request and streams the answer back unbuffered (the job log is a server-sent event stream). */
function proxy(req, res, target, pathAndQuery) {
    if (!target) {
        return sendBadGateway(res);
    }
    return new Promise((resolve) => {
        const upstream = new URL(target);
        const headers = {...req.headers, 'x-forwarded-for': req.socket.remoteAddress, 'x-forwarded-proto': 'http', connection: 'close'};
        const outgoing = http.request({host: upstream.hostname, port: upstream.port, method: req.method, path: pathAndQuery, headers}, (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', resolve);
            answer.on('error', resolve);
        });
        outgoing.on('error', () => {
            // Refused or reset before an answer: nginx says 502; after the answer started, just end it.
            if (!res.headersSent) {
                sendBadGateway(res);
            } else {
                res.destroy();
            }
            resolve();
        });
        res.on('close', () => outgoing.destroy());
        req.pipe(outgoing);
    });
}

function sendBadGateway(res) {
    res.writeHead(502, {'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(NGINX_502)});
    res.end(NGINX_502);
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
