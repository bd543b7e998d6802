# Each branch steps; the comment in the first one is an old variant beside its live step.
import torch

model = torch.nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
scaler = torch.cuda.amp.GradScaler() if torch.cuda.is_available() else None

for x, y in zip(torch.randn(10, 8, 4), torch.randn(10, 8, 1)):
    optimizer.zero_grad()
    loss = torch.nn.functional.mse_loss(model(x), y)
    if scaler is not None:
        scaler.scale(loss).backward()
        # optimizer.step()
        scaler.step(optimizer)
        scaler.update()
    else:
        loss.backward()
        optimizer.step()
