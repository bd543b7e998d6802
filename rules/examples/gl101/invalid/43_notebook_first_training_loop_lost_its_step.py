# A notebook trains, then fine-tunes with the same optimizer in a later cell. The first
# loop's step was lost: every batch clears the previous batch's gradients, and only the
# last batch's reach the fine-tuning loop's first step (it clears after stepping).
import torch

model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = torch.nn.MSELoss()

for epoch in range(10):
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()  # GL101
    print(epoch, loss.item())

for x, y in finetune_loader:
    loss_fn(model(x), y).backward()
    optimizer.step()
    optimizer.zero_grad()
