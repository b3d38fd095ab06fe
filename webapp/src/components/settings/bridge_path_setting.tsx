// The BridgePath setting: the path input (locked when MMBACKUP_BRIDGE_PATH forces it), with a live check of
// the path being typed under it.
import React from 'react';

import type {CustomSettingProps} from '../../types/mattermost';

import BridgeCheck from './bridge_check';
import {BRIDGE_SETTINGS} from './catalog';
import {LockableSetting} from './lockable_setting';

const ENTRY = BRIDGE_SETTINGS.find((s) => s.key === 'BridgePath')!;

export default function BridgePathSetting(props: CustomSettingProps) {
    return (
        <LockableSetting
            {...props}
            entry={ENTRY}
        >
            <BridgeCheck path={props.value}/>
        </LockableSetting>
    );
}
