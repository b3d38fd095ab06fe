// The value a preview should show for a setting: the one being edited on this page (published by the setting's
// own component into the drafts slice), else the saved one from the admin config, else the one the bridge runs
// with. A setting an MMBACKUP_* variable forces always gives the bridge's value: that is what will run.
import {useSelector} from 'react-redux';

import {savedSetting} from '../../client/plugin_config';
import {isLocked} from '../../state/bridge_settings';
import {usePluginState} from '../common/hooks';

/** BackupSchedule → backupSchedule, the name GET settings uses in `effective`. */
function effectiveName(key: string): string {
    return key.charAt(0).toLowerCase() + key.slice(1);
}

/** undefined while nothing is known yet (no edit, nothing saved, the bridge's settings not loaded). */
export function useSettingValue(key: string, config?: unknown): string | undefined {
    const locked = usePluginState((s) => isLocked(s.bridgeSettings, key));
    const draft = usePluginState((s) => s.drafts[key.toLowerCase()]);
    const effective = usePluginState((s) => s.bridgeSettings.data?.effective?.[effectiveName(key)]);
    const stored = useSelector((state: {entities?: {admin?: {config?: unknown}}}) => state?.entities?.admin?.config);
    const running = effective === undefined || effective === null || typeof effective === 'object' ? undefined : String(effective);
    if (locked) {
        return running;
    }
    if (draft !== undefined) {
        return draft;
    }
    const saved = savedSetting(config ?? stored, key);
    return saved === undefined || saved === null ? running : String(saved);
}
