// The newest failed job (until a later success clears it): where it failed, why, and what to do.
import React from 'react';

import type {LastFailure as Failure} from '../../client/types';
import {localTime} from '../common/format';
import {color, facts, heading, notice, row} from '../common/styles';

type Props = {
    failure: Failure;

    /** Opens the failed job's log below, while the bridge still remembers it. */
    onShowLog?: (jobId: string) => void;
};

export default function LastFailure({failure, onShowLog}: Props) {
    return (
        <div
            data-testid='last-failure'
            style={notice(color.failing)}
        >
            <h4 style={heading}>{`The last ${failure.kind} failed`}</h4>
            <dl style={{...facts, margin: '0 0 8px'}}>
                <dt>{'When'}</dt>
                <dd><time dateTime={failure.at}>{localTime(failure.at)}</time></dd>
                <dt>{'Step'}</dt>
                <dd><code>{failure.step}</code></dd>
                <dt>{'Error'}</dt>
                <dd>{failure.message}</dd>
                <dt>{'What to do'}</dt>
                <dd>{failure.fix || 'No fix is known for this error: read the job log below and the bridge\'s log (journalctl -u mmbackup).'}</dd>
            </dl>
            {onShowLog ? (
                <div style={row}>
                    <button
                        type='button'
                        className='btn btn-tertiary btn-sm'
                        onClick={() => onShowLog(failure.jobId)}
                    >
                        {'Show the job log'}
                    </button>
                </div>
            ) : null}
        </div>
    );
}
