// Says why the System Console cannot use the bridge and what to do: the ways a request fails before the
// bridge can answer, as the plugin and the bridge name them (client/request.ts tells them apart).
import React from 'react';

import type {UnreachableReason} from '../../client/request';

import {code, color, heading, muted, notice} from './styles';

type Props = {
    reason: UnreachableReason;
    detail: string;

    /** What the plugin or the bridge said to do, when it said. */
    fix?: string;
};

export const TITLES: Record<UnreachableReason, string> = {
    'plugin-off': 'The Backup & DR plugin is not running on this server',
    'not-running': 'The mmbackup bridge is not running on this server',
    unreachable: 'The plugin cannot reach the mmbackup bridge',
    'secret-mismatch': 'The plugin and the mmbackup bridge do not share the same secret',
    'no-secret': 'The mmbackup bridge has no plugin secret yet',
    'not-admin': 'Only system admins can manage backups',
    unauthenticated: 'Your Mattermost session has ended',
};

const CHECK_SERVICE = 'systemctl status mmbackup\njournalctl -u mmbackup -n 50';

function NotRunning() {
    return (
        <>
            <p>{'Nothing listens at the plugin\'s Bridge URL (section Bridge; default http://127.0.0.1:8066). On this Mattermost server, check the service and its log:'}</p>
            <pre style={code}>{CHECK_SERVICE}</pre>
            <p>
                {'Start it with '}<code>{'systemctl enable --now mmbackup'}</code>
                {'. Not installed yet: install the mmbackup bridge on every Mattermost server as docs/install.md describes. In a cluster, each node needs its own bridge.'}
            </p>
        </>
    );
}

function Unreachable() {
    return (
        <>
            <p>{'Something answers the Bridge URL, but not in time or not as the bridge. Check that the Bridge URL (section Bridge) matches MMBACKUP_LISTEN in /etc/mmbackup/mmbackup.env (default 127.0.0.1:8066, or unix:/path for a socket the mattermost user may open), then:'}</p>
            <pre style={code}>{CHECK_SERVICE}</pre>
        </>
    );
}

function SecretMismatch() {
    return (
        <p>
            {'The bridge reads the plugin\'s Bridge secret from Mattermost\'s config. If MMBACKUP_BRIDGE_SECRET is set in /etc/mmbackup/mmbackup.env, remove it (or make it equal to the Bridge secret), and check that the bridge reads this server\'s config (MM_CONFIG); then '}
            <code>{'systemctl restart mmbackup'}</code>{'. A secret regenerated in section Bridge reaches the bridge within a minute.'}
        </p>
    );
}

function NoSecret() {
    return (
        <p>
            {'The plugin generates the secret when it is enabled and saves it in Mattermost\'s config, where the bridge reads it within a minute. If this stays, the bridge reads another config than this server\'s: check MM_CONFIG in /etc/mmbackup/mmbackup.env, or set MMBACKUP_BRIDGE_SECRET there to the Bridge secret (section Bridge), then '}
            <code>{'systemctl restart mmbackup'}</code>{'.'}
        </p>
    );
}

function body(reason: UnreachableReason): React.ReactNode {
    switch (reason) {
    case 'plugin-off':
        return <p>{'Its routes answer with Mattermost\'s page, not the plugin: enable Backup & DR in System Console > Plugins > Plugin Management (server plugins must be enabled: PluginSettings.Enable), or look in the server log for why it stopped.'}</p>;
    case 'not-running':
        return <NotRunning/>;
    case 'unreachable':
        return <Unreachable/>;
    case 'secret-mismatch':
        return <SecretMismatch/>;
    case 'no-secret':
        return <NoSecret/>;
    case 'not-admin':
        return <p>{'The plugin refused your account: sign in to Mattermost as a system admin to see and run backups.'}</p>;
    default:
        return <p>{'Sign in to Mattermost again, then reload this page.'}</p>;
    }
}

export default function BridgeUnreachable({reason, detail, fix}: Props) {
    return (
        <div
            data-testid='bridge-unreachable'
            data-reason={reason}
            role='alert'
            style={notice(color.failing)}
        >
            <h4 style={heading}>{TITLES[reason]}</h4>
            {body(reason)}
            {fix ? <p>{`The plugin says: ${fix}`}</p> : null}
            <p style={muted}>{`Details: ${detail}.`}</p>
        </div>
    );
}
