// The bundle's entry. Import order matters: early-signals installs the handlers before main's
// imports (commander, koffi) spend tens of milliseconds loading.
import { inbox, namedSignalWatch } from './early-signals.js';
import { main } from './main.js';

void main(inbox, namedSignalWatch);
