// A plugin settings section this plugin lays out itself (registerAdminConsoleCustomSection, where the server
// has it): the section's title and subtitle as Mattermost draws them, then its settings at full width.
// Mattermost passes only the rendered settings, so each section's title comes from the catalog.
import React from 'react';

import type {CustomSectionProps} from '../../types/mattermost';

export function consoleSection(title: string, subtitle: string): React.ComponentType<CustomSectionProps> {
    function Section({settingsList}: CustomSectionProps) {
        return (
            <div
                className='config-section'
                data-section={title}
            >
                <div className='admin-console__wrapper'>
                    <div className='admin-console__content'>
                        <div className='section-header'>
                            <div className='section-title'>{title}</div>
                            <div className='section-subtitle'>{subtitle}</div>
                        </div>
                        <div className='section-body'>{settingsList}</div>
                    </div>
                </div>
            </div>
        );
    }
    Section.displayName = `ConsoleSection(${title})`;
    return Section;
}
