// Playwright cannot download its own browsers here: Debian's Chromium, for
// every Playwright config of this folder.
export const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  // Without these, Chromium keeps dialling outside hosts this network refuses.
  args: [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};
