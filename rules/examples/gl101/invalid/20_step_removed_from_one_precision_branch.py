# The full-precision branch backpropagates and never steps; the other branch's step does
# not run after it: one pass of the loop takes one branch, and the next clears first.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.cuda.amp.GradScaler() if torch.cuda.is_available() else None

for x, y in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1)):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    if scaler is None:
        loss.backward()  # GL101
    else:
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
