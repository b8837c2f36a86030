// Hovering an agent in the graph dims the deliveries and agents it has nothing to do with.
document.addEventListener("DOMContentLoaded", () => {
  const graph = document.querySelector("svg.graph");
  if (!graph) return;
  const agents = graph.querySelectorAll("g.agent");
  const deliveries = graph.querySelectorAll("path.delivery");
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
