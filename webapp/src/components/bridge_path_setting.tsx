// The BridgePath setting in the System Console: the usual text input, with the live bridge status under it,
// so a wrong path or a missing proxy rule shows up while the admin is typing it.
import React from 'react';

import type {CustomSettingProps} from '../types/mattermost';

import BridgeStatus from './bridge_status';

export default function BridgePathSetting({id, value, disabled, setByEnv, onChange}: CustomSettingProps) {
    return (
        <div>
            <input
                id={id}
                className='form-control'
                type='text'
                placeholder='/backup-dr/'
                value={value ?? ''}
                disabled={disabled || setByEnv}
                onChange={(e) => onChange(id, e.target.value)}
            />
            <BridgeStatus bridgePath={value}/>
        </div>
    );
}
