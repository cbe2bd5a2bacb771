"""The lecture's formulas, in plain numpy: the layer a student opens.

Each function here is one derivation of "Neural models via matrix calculus" turned into code, line
by line, with the lecture's names (``Xbar`` for X̄ = [1 X], ``Wh`` for W̄ʰ, ``wo`` for w̄ᵒ, bias
first, ``vec`` column-major, ``D_x y = ∂vec(y)/∂vec(x)ᵀ``). Nothing here checks its input, guards
memory or reports divergence: that is the kit around it (the public modules of ``lecturekit``),
which checks at the public entry and then calls these functions. The formulas never import the
kit.

Reading map (chapter: module, functions):

- 2, 3 and 7: ``activations`` (``TABLE``: f, f′, f″, f‴ of each activation; ``tanh_stack``).
- 3: ``network.forward`` (A = X̄W̄ʰ, H = f(A), H̄ = [1 H], z = H̄w̄ᵒ, y = g(z)).
- 4: ``network.dy_dwo``, ``network.sensitivity``, ``network.dy_dWh``, ``network.dy_dWh_kron``
  (D_w̄ᵒ y = diag(g′(z)) H̄; D_W̄ʰ y row by row, and as a Kronecker product).
- 4, any depth: ``deep.forward``, ``deep.backward`` (Aᵏ = H̄ᵏ⁻¹W̄ᵏ, Hᵏ = fₖ(Aᵏ); the reverse sweep).
- 5: ``network.gradient`` (∂ℓ/∂w̄ᵒ = H̄ᵀδz, δA = (δz wᵒᵀ) ⊙ f′(A), ∂ℓ/∂W̄ʰ = X̄ᵀδA);
  ``optimisers.sgd_step``, ``optimisers.momentum_step``, ``optimisers.adam_step``.
- 6: ``chain.chain_cost``, ``chain.chain_product``, ``chain.cheapest_order`` (the cheapest
  order of a matrix chain product, by dynamic programming).
- 7: ``pinn.residual_scale``, ``pinn.loss_from_residuals``, ``pinn.gradient_from_jacobian``,
  ``pinn.gradient_seeds`` (ρ = √(w/m)·e, L = ρᵀρ, ∇L = 2Jᵀρ).
- 8: ``least_squares`` (Φ, ∇Φ = Jᵀr + Λw̄, the damped step stacked, pushed through or by
  Cholesky, the gain ratio, the damping update, the Gauss–Newton step).
"""
