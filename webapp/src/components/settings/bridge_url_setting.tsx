// The BridgeUrl setting: the URL input (as every bridge setting, locked when the bridge's environment forces
// it), with a check under it that the plugin reaches the bridge at the saved URL.
import React from 'react';

import {savedSetting} from '../../client/plugin_config';
import type {CustomSettingProps} from '../../types/mattermost';

import BridgeCheck from './bridge_check';
import {BRIDGE_SETTINGS} from './catalog';
import {LockableSetting} from './lockable_setting';

const ENTRY = BRIDGE_SETTINGS.find((s) => s.key === 'BridgeUrl')!;

export default function BridgeUrlSetting(props: CustomSettingProps) {
    return (
        <LockableSetting
            {...props}
            entry={ENTRY}
        >
            <BridgeCheck saved={savedSetting(props.config, 'BridgeUrl')}/>
        </LockableSetting>
    );
}
