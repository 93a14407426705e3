// UI smoke test: the packaged extension loads in the workbench and `SWAS: Create Key Pair`, run from the
// command palette, answers with a quick input or a notification. Prints the UI-RESULT line.
import { createUiRunner, palette, startWorkbench } from './lib.mjs';

const workbench = await startWorkbench();
const { page } = workbench;
const ui = createUiRunner({ page });
try {
  await ui.test('SWAS: Create Key Pair opens a quick input or shows a notification', async () => {
    const toastsBefore = await page.locator('.notifications-toasts .notification-toast').count();
    await palette(page, 'SWAS: Create Key Pair');
    // the palette itself is a quick input whose value starts with '>': wait for anything else
    await page.waitForFunction((previousToasts) => {
      const visible = (element) => element && getComputedStyle(element).display !== 'none';
      const widget = document.querySelector('.quick-input-widget');
      const input = widget?.querySelector('.quick-input-box input');
      const quickInputShown = visible(widget) && input && !input.value.startsWith('>');
      const toasts = document.querySelectorAll('.notifications-toasts .notification-toast').length;
      return quickInputShown || toasts > previousToasts;
    }, toastsBefore, { timeout: 30_000 });
  });
} finally {
  await workbench.stop();
  ui.finish();
}
