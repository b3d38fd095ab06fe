// The exact `mmbackup restore` lines for one snapshot, as the bridge words them (the repository redacted or
// named by its environment variable), each with a copy button.
import React from 'react';

import type {BackupSummary} from '../../client/types';
import CopyButton from '../common/copy_button';
import {localTime, shortId} from '../common/format';
import {code, heading, muted, row} from '../common/styles';

/** What an older bridge without `restoreCommands` would print for /backup: a dry run first, then the restore. */
export function restoreLines(backup: BackupSummary): string[] {
    if (backup.restoreCommands && backup.restoreCommands.length > 0) {
        return backup.restoreCommands;
    }
    return [`mmbackup restore ${backup.id} --dry-run`, `mmbackup restore ${backup.id}`];
}

export default function RestoreCommands({backup}: {backup: BackupSummary}) {
    const lines = restoreLines(backup);
    return (
        <div
            data-testid='restore-commands'
            data-snapshot-id={backup.id}
            style={{marginTop: 12}}
        >
            <h4 style={heading}>{`Restore snapshot ${shortId(backup.id)} (${localTime(backup.finishedAt)})`}</h4>
            <p style={muted}>
                {'Run on the Mattermost host as root, with the bridge\'s environment loaded first: '}
                <code>{'set -a; . /etc/mmbackup/mmbackup.env; set +a'}</code>
            </p>
            {lines.map((line) => (
                <div
                    key={line}
                    style={{...row, flexWrap: 'nowrap', marginBottom: 6}}
                >
                    <pre style={{...code, flex: 1}}>{line}</pre>
                    <CopyButton
                        text={line}
                        what={line}
                    />
                </div>
            ))}
            {lines.length > 1 ? (
                <CopyButton
                    text={lines.join('\n')}
                    label='Copy all'
                    what={`all restore commands of snapshot ${shortId(backup.id)}`}
                />
            ) : null}
        </div>
    );
}
