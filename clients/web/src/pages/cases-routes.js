// The case pages, fetched when first opened (see lazy.js).
import { lazyPage } from '../lazy.js';

export const Inbox = lazyPage(() => import('./cases-inbox.js'), 'Inbox');
export const NewCase = lazyPage(() => import('./cases-new.js'), 'NewCase');
export const Metrics = lazyPage(() => import('./cases-metrics.js'), 'Metrics');
export const CasePage = lazyPage(() => import('./cases-case.js'), 'CasePage');
