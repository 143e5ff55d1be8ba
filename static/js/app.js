// Small progressive enhancements. Every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The organization switcher submits on change.
  document.querySelectorAll("[data-autosubmit]").forEach((el) => {
    el.addEventListener("change", () => el.form.submit());
  });
  // On a phone the navigation folds into a menu.
  const toggle = document.querySelector("[data-nav-toggle]");
  const nav = document.getElementById("sidenav");
  if (toggle && nav) {
    toggle.addEventListener("click", () => {
      const open = nav.classList.toggle("sidenav--open");
      toggle.setAttribute("aria-expanded", String(open));
    });
  }
  // Ask before a destructive form is sent.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});

// Backlog: drag a row to re-rank it. The ▲ ▼ buttons (plain forms) do the same without it.
document.addEventListener("DOMContentLoaded", () => {
  const list = document.querySelector("[data-rank-list]");
  if (!list) return;
  const token = list.querySelector("input[name=csrfmiddlewaretoken]");
  let dragged = null;
  const clearTargets = () =>
    list.querySelectorAll(".backlog__row--drop-target").forEach((r) => r.classList.remove("backlog__row--drop-target"));
  list.querySelectorAll("tr[data-move-url]").forEach((row) => {
    row.addEventListener("dragstart", (event) => {
      dragged = row;
      row.classList.add("backlog__row--dragging");
      event.dataTransfer.effectAllowed = "move";
    });
    row.addEventListener("dragend", () => {
      row.classList.remove("backlog__row--dragging");
      clearTargets();
      dragged = null;
    });
    row.addEventListener("dragover", (event) => {
      if (dragged && dragged !== row) {
        event.preventDefault();
        clearTargets();
        row.classList.add("backlog__row--drop-target");
      }
    });
    row.addEventListener("drop", (event) => {
      event.preventDefault();
      if (!dragged || dragged === row || !token) return;
      const form = document.createElement("form");
      form.method = "post";
      form.action = dragged.dataset.moveUrl;
      const fields = {
        csrfmiddlewaretoken: token.value,
        position: row.dataset.position,
        next: window.location.pathname + window.location.search,
      };
      Object.entries(fields).forEach(([name, value]) => {
        const input = document.createElement("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
    });
  });
});

// Dashboards: "Expand all" / "Collapse all" open or close every <details> in a scope.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-details-all]");
  if (!button) return;
  const open = button.dataset.detailsAll === "open";
  document.querySelectorAll(button.dataset.detailsScope || "details").forEach((el) => {
    el.open = open;
  });
});
