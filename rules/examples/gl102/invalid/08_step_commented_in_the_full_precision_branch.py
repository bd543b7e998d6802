# Reduced from a self-distillation loop with full-precision and mixed-precision branches:
# the full-precision branch's step is commented out. The scaler's step in the other branch
# never runs after this branch's backward (one pass of the loop takes one branch, and the
# next pass clears the gradients first).
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.cuda.amp.GradScaler() if torch.cuda.is_available() else None

for x, y in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1)):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    if scaler is None:
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 3.0)
        # optimizer.step()  # GL102
    else:
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        scaler.step(optimizer)
        scaler.update()
