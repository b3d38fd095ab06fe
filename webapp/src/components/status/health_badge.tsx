// Healthy / needs attention / failing at a glance, with the reasons for anything but healthy.
import React from 'react';

import type {BridgeStatus, Health} from '../../client/types';
import {color, row} from '../common/styles';


const LOOK: Record<Health, {label: string; color: string}> = {
    healthy: {label: 'Healthy', color: color.healthy},
    warning: {label: 'Needs attention', color: color.warning},
    failing: {label: 'Failing', color: color.failing},
};

export default function HealthBadge({status}: {status: BridgeStatus}) {
    // The verdict and its reasons are the bridge's, by the one set of rules in @backup-dr/wire.
    const {health, healthReasons: reasons} = status;
    const look = LOOK[health];
    return (
        <div>
            <div style={row}>
                <span
                    data-testid='health-badge'
                    data-health={health}
                    role='status'
                    style={{
                        display: 'inline-flex',
                        alignItems: 'center',
                        gap: 6,
                        padding: '2px 10px',
                        borderRadius: 12,
                        border: `1px solid ${look.color}`,
                        color: look.color,
                        fontWeight: 600,
                    }}
                >
                    <span
                        aria-hidden='true'
                        style={{width: 10, height: 10, borderRadius: 5, background: look.color}}
                    />
                    {look.label}
                </span>
            </div>
            {reasons.length > 0 ? (
                <ul style={{margin: '8px 0 0', paddingLeft: 20}}>
                    {reasons.map((reason) => <li key={reason}>{reason}</li>)}
                </ul>
            ) : null}
        </div>
    );
}
