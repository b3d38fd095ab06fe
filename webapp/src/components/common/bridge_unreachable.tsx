// Says why the System Console cannot use the bridge and how to fix that: the four ways a request fails
// before the bridge can answer (client/request.ts tells them apart).
import React from 'react';

import type {UnreachableReason} from '../../client/request';

import {code, color, heading, muted, notice} from './styles';

/** The bridge's default listen address (MMBACKUP_LISTEN), which the proxy forwards to. */
const DEFAULT_UPSTREAM = '127.0.0.1:8066';

type Props = {
    reason: UnreachableReason;
    detail: string;
    bridgePath: string;
};

export function nginxLocation(bridgePath: string): string {
    return [
        `location ^~ ${bridgePath} {`,
        `    proxy_pass http://${DEFAULT_UPSTREAM}/;`,
        '    proxy_http_version 1.1;',
        '    proxy_set_header Host $host;',
        '    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
        '    proxy_set_header X-Forwarded-Proto $scheme;',
        '    proxy_set_header Connection "";',
        '    proxy_buffering off;',
        '    proxy_cache off;',
        '    proxy_read_timeout 1h;',
        '    client_max_body_size 1m;',
        '}',
    ].join('\n');
}

const TITLES: Record<UnreachableReason, string> = {
    'no-route': 'The reverse proxy does not send this path to the mmbackup bridge',
    'not-running': 'The mmbackup bridge is not answering',
    'not-admin': 'Only system admins can manage backups',
    unauthenticated: 'The bridge did not accept your Mattermost session',
};

function NoRoute({bridgePath}: {bridgePath: string}) {
    return (
        <>
            <p>
                {`Requests to ${bridgePath} are answered by Mattermost itself. In the nginx server block that serves Mattermost, add this before "location / {" (docs/install.md, step 7):`}
            </p>
            <pre style={code}>{nginxLocation(bridgePath)}</pre>
            <p>
                {'Then run '}<code>{'nginx -t && systemctl reload nginx'}</code>
                {`. With Caddy: handle_path ${bridgePath}* { reverse_proxy ${DEFAULT_UPSTREAM} }. The "Bridge path" setting (section Bridge) must be the proxy's path.`}
            </p>
        </>
    );
}

function NotRunning({bridgePath}: {bridgePath: string}) {
    return (
        <>
            <p>{'On the Mattermost host, check the service and its log:'}</p>
            <pre style={code}>{'systemctl status mmbackup\njournalctl -u mmbackup -n 50'}</pre>
            <p>
                {'Start it with '}<code>{'systemctl enable --now mmbackup'}</code>
                {`. The proxy must forward ${bridgePath} to the address in MMBACKUP_LISTEN (default ${DEFAULT_UPSTREAM}). `}
                {'Not installed yet: unpack the bridge package to /opt/mmbackup, write /etc/mmbackup/mmbackup.env and install the systemd unit, as docs/install.md describes (steps 2 to 5).'}
            </p>
        </>
    );
}

export default function BridgeUnreachable({reason, detail, bridgePath}: Props) {
    let body: React.ReactNode;
    if (reason === 'no-route') {
        body = <NoRoute bridgePath={bridgePath}/>;
    } else if (reason === 'not-running') {
        body = <NotRunning bridgePath={bridgePath}/>;
    } else if (reason === 'not-admin') {
        body = <p>{'The bridge refused your account: sign in to Mattermost as a system admin to see and run backups.'}</p>;
    } else {
        body = (
            <p>
                {'Sign out of Mattermost and in again. If this persists, the bridge checks sessions against another Mattermost: set MMBACKUP_SITE_URL in /etc/mmbackup/mmbackup.env to this server\'s URL, then '}
                <code>{'systemctl restart mmbackup'}</code>{'.'}
            </p>
        );
    }
    return (
        <div
            data-testid='bridge-unreachable'
            data-reason={reason}
            role='alert'
            style={notice(color.failing)}
        >
            <h4 style={heading}>{TITLES[reason]}</h4>
            {body}
            <p style={muted}>{`Details: ${detail}.`}</p>
        </div>
    );
}
