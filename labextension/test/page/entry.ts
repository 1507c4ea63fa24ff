// A page with JupyterLab's real rendermime registry and output area, plus our renderer factories:
// the renderers' browser tests drive it through `window.hn` the way the lab's notebook drives an
// output area (model.add for display_data, model.set for update_display_data).
import { OutputArea, OutputAreaModel } from "@jupyterlab/outputarea";
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import { Widget } from "@lumino/widgets";
import { dagRendererFactory, progressRendererFactory, tableRendererFactory, timelineRendererFactory } from "../../src/mime";
import "../../style/index.css";

const rendermime = new RenderMimeRegistry({
  initialFactories: [...standardRendererFactories, dagRendererFactory, progressRendererFactory, timelineRendererFactory, tableRendererFactory],
});
const model = new OutputAreaModel({ trusted: true });
const area = new OutputArea({ model, rendermime });
Widget.attach(area, document.getElementById("root")!);


(window as any).hn = { rendermime, model, area };
