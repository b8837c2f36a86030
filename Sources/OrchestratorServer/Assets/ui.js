// Hovering an agent in the graph dims the deliveries and agents it has nothing to do with.
document.addEventListener("DOMContentLoaded", () => {
  const graph = document.querySelector("svg.graph");
  if (!graph) return;
  const agents = graph.querySelectorAll("g.agent");
  const deliveries = graph.querySelectorAll("path.delivery");
  // Every label stays inside its agent's box: the server cuts labels by their length, and one whose glyphs are wider
  // than that allowed for (capitals, wide scripts) is narrowed here to the box's inner width.
  agents.forEach((agent) => {
    const box = agent.querySelector("rect");
    if (!box) return;
    const room = box.width.baseVal.value - 16;
    agent.querySelectorAll("text").forEach((label) => {
      if (label.getComputedTextLength() > room) {
        label.setAttribute("textLength", String(room));
        label.setAttribute("lengthAdjust", "spacingAndGlyphs");
      }
    });
  });
  agents.forEach((agent) => {
    const index = agent.dataset.agent;
    agent.addEventListener("mouseenter", () => {
      deliveries.forEach((path) => {
        const touches = path.querySelector("title").textContent.includes("agent " + index + " ");
        path.classList.toggle("dimmed", !touches);
      });
      agents.forEach((other) => other.classList.toggle("dimmed", other !== agent));
    });
    agent.addEventListener("mouseleave", () => {
      deliveries.forEach((path) => path.classList.remove("dimmed"));
      agents.forEach((other) => other.classList.remove("dimmed"));
    });
  });
});
