"""The lecture's formulas, in plain numpy: the layer a student opens.

Each function here is one derivation of "Neural models via matrix calculus" turned into code, line
by line, with the lecture's names (``Xbar`` for X̄ = [1 X], ``Wh`` for W̄ʰ, ``wo`` for w̄ᵒ, bias
first, ``vec`` column-major, ``D_x y = ∂vec(y)/∂vec(x)ᵀ``). Nothing here checks its input, guards
memory or reports divergence: that is the kit around it (the public modules of ``lecturekit``),
which checks at the public entry and then calls these functions. The formulas never import the
kit.
"""
