// Narrow screens: every .utrecht-table may stack (one block per row). Each cell gets its column's name in
// data-label, shown before the cell's content by people.css; a table whose header is not one simple row
// keeps its columns (it scrolls inside itself). Without script all tables scroll inside themselves.
(function () {
  "use strict";
  document.querySelectorAll("main table.utrecht-table").forEach((table) => {
    const rows = table.tHead ? table.tHead.rows : [];
    if (rows.length !== 1) return;
    const names = [];
    for (const cell of rows[0].cells) {
      for (let i = 0; i < (cell.colSpan || 1); i++) names.push(cell.textContent.trim());
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let column = 0;
        for (const cell of row.cells) {
          const name = names[column];
          if (name) cell.setAttribute("data-label", name);
          column += cell.colSpan || 1;
        }
      }
    }
    table.setAttribute("data-stacked", "");
  });
})();
