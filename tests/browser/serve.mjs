// The browser tests' one way to show a page: a local static server for the files of `dir`
// (only those named, nothing else), and Debian's Chromium driven by playwright-core with the
// flags that keep it off the network (never a browser downloaded by a test tool).
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

/** Serves `files` of `dir` on 127.0.0.1 and launches Chromium: `{ base, browser, close }`. */
export async function serveAndLaunch(dir, files) {
  const server = createServer((req, res) => {
    const file = req.url === "/" ? "index.html" : req.url.slice(1);
    if (file === "favicon.ico") return res.writeHead(204).end();
    if (!files.includes(file)) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" });
    res.end(readFileSync(dir + file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${server.address().port}/`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  return {
    base,
    browser,
    close: async () => {
      await browser.close();
      server.close();
    },
  };
}
