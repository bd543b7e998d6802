// The whole extension: start `gradlint server` and let vscode-languageclient speak LSP to it.
// Python files and the Python cells of notebooks are synced (LSP 3.17 notebook sync).
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

async function activate(context) {
  const [command, ...args] = vscode.workspace.getConfiguration("gradlint").get("command");
  client = new LanguageClient(
    "gradlint",
    "gradlint",
    { command, args },
    {
      documentSelector: [
        { scheme: "file", language: "python" },
        { scheme: "untitled", language: "python" },
        { notebook: "*", language: "python" },
      ],
    },
  );
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
