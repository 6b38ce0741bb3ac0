"""Documents made from the register: the review pack, the delegationsordning, org charts and
delegation diagrams (drawn by Graphviz, within bounds), and PDFs printed by Chromium."""
