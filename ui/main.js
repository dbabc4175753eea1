// Loads the UI's WebAssembly module; the strict CSP forbids inline scripts, so this is a file.
import init from "./kubedesk_ui.js";
init();
