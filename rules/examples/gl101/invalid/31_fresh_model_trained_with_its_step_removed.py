# The notebook builds a fresh model and a new optimizer over it, then its training loop lost
# optimizer.step(): the new model's weights never move.
import torch

model = torch.nn.Linear(8, 1)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for x, y in [(torch.randn(4, 8), torch.randn(4, 1))] * 3:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()

model = torch.nn.Linear(8, 1)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
for x, y in [(torch.randn(4, 8), torch.randn(4, 1))] * 3:
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()  # GL101
