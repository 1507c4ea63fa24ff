// The HyperNodes JupyterLab plugin: the side panel following the current notebook's kernel, and
// its actions in the command palette.
import { ILabShell, type JupyterFrontEnd, type JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, InputDialog } from "@jupyterlab/apputils";
import { INotebookTracker } from "@jupyterlab/notebook";
import { LabIcon } from "@jupyterlab/ui-components";
import iconSvg from "../style/icon.svg";
import { HypernodesPanel } from "./panel";

const CATEGORY = "HyperNodes";

const plugin: JupyterFrontEndPlugin<void> = {
  id: "hypernodes-jupyterlab:panel",
  description: "HyperNodes side panel: pipelines, cache and actions of the notebook's HyperNodes kernel.",
  autoStart: true,
  requires: [INotebookTracker, ILabShell],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, notebooks: INotebookTracker, shell: ILabShell, palette: ICommandPalette | null) => {
    const panel = new HypernodesPanel();
    panel.title.icon = new LabIcon({ name: "hypernodes:logo", svgstr: iconSvg });
    shell.add(panel, "right", { rank: 900 });
    const follow = () => panel.setContext(notebooks.currentWidget?.sessionContext ?? null);
    notebooks.currentChanged.connect(follow);
    follow();

    /** The pipeline a command acts on: its `name` argument, or the reader's pick. */
    const pick = async (args: { name?: unknown }): Promise<string | undefined> => {
      if (typeof args.name === "string") return args.name;
      await panel.refresh();
      const names = panel.pipelines.map((p) => p.name);
      if (names.length <= 1) return names[0];
      const choice = await InputDialog.getItem({ title: "Pipeline", items: names });
      return choice.value ?? undefined;
    };
    const reveal = () => shell.activateById(panel.id);
    /** A command acting on one pipeline, shown in the panel. */
    const onPipeline = (action: (name: string) => Promise<void>) => async (args: { name?: unknown }) => {
      const name = await pick(args);
      if (!name) return;
      reveal();
      await action(name);
    };
    const commands: Record<string, { label: string; execute: (args: { name?: unknown }) => Promise<void> }> = {
      "hypernodes:open-panel": { label: "Show HyperNodes Panel", execute: async () => (reveal(), panel.refresh()) },
      "hypernodes:show-dag": { label: "Show Pipeline DAG", execute: onPipeline((name) => panel.showDag(name)) },
      "hypernodes:explain": { label: "Explain Next Run of Pipeline", execute: onPipeline((name) => panel.explain(name)) },
      "hypernodes:clear-pipeline-cache": { label: "Clear Cache of Pipeline", execute: onPipeline((name) => panel.clearCache(name)) },
      "hypernodes:clear-cache": { label: "Clear All HyperNodes Cache", execute: async () => (reveal(), panel.clearCache()) },
    };
    for (const [id, { label, execute }] of Object.entries(commands)) {
      app.commands.addCommand(id, { label, execute: (args) => execute(args as { name?: unknown }) });
      palette?.addItem({ command: id, category: CATEGORY });
    }
  },
};

export default plugin;
